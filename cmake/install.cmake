# install.cmake -- the part of `make install` (cmake --install) whose text depends on the
# prefix chosen at install time: the systemd units and the sysusers.d file get the real
# paths of the binary, the configuration and the documentation, and the production
# configuration is put in place unless one is there already (an upgrade never overwrites
# the operator's file; the new sample goes beside it as ispshield.conf.new).
# In: CMAKE_INSTALL_PREFIX (as given to cmake --install --prefix), ISP_SRC, $ENV{DESTDIR}.
set(prefix "${CMAKE_INSTALL_PREFIX}")
if(prefix STREQUAL "/usr")
  set(sysconf "/etc")
else()
  set(sysconf "${prefix}/etc")
endif()
set(dest "$ENV{DESTDIR}")

function(isp_subst src out)
  file(READ "${src}" text)
  string(REPLACE "@BINDIR@" "${prefix}/bin" text "${text}")
  string(REPLACE "@SYSCONFDIR@" "${sysconf}" text "${text}")
  string(REPLACE "@DOCDIR@" "${prefix}/share/doc/ispshield" text "${text}")
  string(REPLACE "@PREFIX_LIB@" "${prefix}/lib" text "${text}")
  message(STATUS "Installing: ${out}")
  file(WRITE "${out}" "${text}")
endfunction()

file(GLOB units "${ISP_SRC}/etc/systemd/*.service" "${ISP_SRC}/etc/systemd/*.timer")
foreach(u ${units})
  get_filename_component(name "${u}" NAME)
  isp_subst("${u}" "${dest}${prefix}/lib/systemd/system/${name}")
endforeach()
isp_subst("${ISP_SRC}/etc/systemd/ispshield.sysusers" "${dest}${prefix}/lib/sysusers.d/ispshield.conf")

set(conf "${dest}${sysconf}/ispshield/ispshield.conf")
if(EXISTS "${conf}")
  message(STATUS "Keeping: ${conf} (the sample is ${conf}.new)")
  configure_file("${ISP_SRC}/etc/ispshield-production.conf" "${conf}.new" COPYONLY)
else()
  message(STATUS "Installing: ${conf}")
  configure_file("${ISP_SRC}/etc/ispshield-production.conf" "${conf}" COPYONLY)
endif()
