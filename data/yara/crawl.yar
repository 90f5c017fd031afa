/*
 * crawl.yar -- the starter YARA rules of `ispshield crawl` (crawl.rules): a page or
 * script a rule matches is an "attack" hop, with the rule names as its evidence.
 * Written for ispshield (issue 18); generic markers of exploit and drive-by pages, no
 * signatures of real samples. Add your own in another file and list both in crawl.rules
 * (comma-separated).
 */

rule eicar_test_string
{
    meta:
        description = "the EICAR anti-virus test string (a harmless file every scanner flags)"
    strings:
        $a = "EICAR-STANDARD-ANTIVIRUS-TEST-FILE!"
    condition:
        $a
}

rule js_decode_and_eval
{
    meta:
        description = "script that decodes a string and evaluates it at once (packed drive-by code)"
    strings:
        $a = /eval\s*\(\s*(unescape|atob|decodeURIComponent|String\.fromCharCode)\s*\(/
        $b = /(new\s+)?Function\s*\(\s*(unescape|atob)\s*\(/
        $c = /document\.write\s*\(\s*unescape\s*\(\s*['"](%[0-9a-fA-F]{2}){16}/
    condition:
        any of them
}

rule heap_spray_nop_sled
{
    meta:
        description = "unicode-escaped NOP sled or spray filler (browser heap spray)"
    strings:
        $a = /%u0c0c%u0c0c/ nocase
        $b = /%u9090%u9090/ nocase
        $c = /unescape\s*\(\s*['"]%u[0-9a-f]{4}%u[0-9a-f]{4}/ nocase
    condition:
        any of them
}

rule plugin_exploit_embed
{
    meta:
        description = "Flash or Java applet embedded with full script access (plugin exploit delivery)"
    strings:
        $f1 = "application/x-shockwave-flash" nocase
        $f2 = /allowScriptAccess\s*=\s*['"]?always/ nocase
        $j1 = "<applet" nocase
        $j2 = /archive\s*=\s*['"]?[^'" >]+\.jar/ nocase
    condition:
        ($f1 and $f2) or ($j1 and $j2)
}
