-- wrk through a forward proxy (bench/proxy/run.sh). wrk connects to the address on its
-- command line (the proxy) and, with this script, sends every request in absolute form
-- ("GET http://host:port/path HTTP/1.1", Host from the URL), as a browser configured with a
-- proxy does. The URLs are taken in turn from the file named by the environment variable
-- WRK_URLS (one absolute http:// URL per line); all requests are formatted once, in init,
-- so that the Lua side costs the same per request whatever the server.
local reqs = {}
local i = 0

function init(args)
  local file = os.getenv("WRK_URLS")
  for url in io.lines(file) do
    local host = url:match("^http://([^/]+)")
    reqs[#reqs + 1] = wrk.format("GET", url, { Host = host })
  end
  if #reqs == 0 then
    error("proxy.lua: no URLs in " .. tostring(file))
  end
end

function request()
  i = i % #reqs + 1
  return reqs[i]
end
