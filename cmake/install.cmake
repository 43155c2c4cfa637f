# What `cmake --install` puts where, in one place (GNUInstallDirs: the prefix's bin, lib, include, share, share/man).
# The build from the source folder does not depend on anything here: it only adds the combined archive below.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

# The programs. relaisd is a daemon an administrator starts (section 8): sbin. relais-bench and relais-desk-feeder are
# the benchmark's, run from the build folder: not installed.
install(TARGETS relais RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS relaisd RUNTIME DESTINATION ${CMAKE_INSTALL_SBINDIR})

# librelais as partners link it: one archive holding the client and the two libraries of ours it stands on (the
# codec with its generated protobuf-c code, and the identities), so that `-lrelais` is the only library of ours a
# partner names. The objects are the ones the build already compiled for agents/client/librelais.a; only the archive is new.
add_library(relais_client_bundle STATIC
  $<TARGET_OBJECTS:relais_client> $<TARGET_OBJECTS:relais_endpoint> $<TARGET_OBJECTS:relais_proto> $<TARGET_OBJECTS:relais_pb>
  $<TARGET_OBJECTS:relais_certs>)
set_target_properties(relais_client_bundle PROPERTIES
  OUTPUT_NAME relais
  LINKER_LANGUAGE C
  ARCHIVE_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/install-lib # not beside agents/client/librelais.a, whose name it shares
  EXPORT_NAME client)
install(TARGETS relais_client_bundle EXPORT relaisTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/relais)

# The public headers: relais_client.h and what it includes (relais_proto.h, the status codes and the messages' plain C
# views). In a folder of their own, so that their names cannot meet another library's.
install(FILES ${PROJECT_SOURCE_DIR}/agents/client/relais_client.h ${PROJECT_SOURCE_DIR}/proto/relais_proto.h
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/relais)

# pkg-config. The paths are written relative to the prefix the .pc file is found under, so that an install moved
# (or made with DESTDIR) still links.
file(RELATIVE_PATH relais_pc_prefix_rel ${CMAKE_INSTALL_FULL_LIBDIR}/pkgconfig ${CMAKE_INSTALL_PREFIX})
file(RELATIVE_PATH relais_pc_libdir_rel ${CMAKE_INSTALL_FULL_LIBDIR}/pkgconfig ${CMAKE_INSTALL_FULL_LIBDIR})
file(RELATIVE_PATH relais_pc_includedir_rel ${CMAKE_INSTALL_FULL_LIBDIR}/pkgconfig ${CMAKE_INSTALL_FULL_INCLUDEDIR})
foreach(_v relais_pc_prefix_rel relais_pc_libdir_rel relais_pc_includedir_rel)
  string(REGEX REPLACE "/$" "" ${_v} "${${_v}}") # no doubled slash in the paths pkg-config prints
endforeach()
configure_file(${CMAKE_CURRENT_LIST_DIR}/librelais.pc.in ${PROJECT_BINARY_DIR}/librelais.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/librelais.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# The CMake package: find_package(relais) gives relais::client. Its dependencies are found by relaisConfig.cmake
# itself, on the machine that links, rather than written into the targets file with this machine's paths.
set(relais_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/relais)
install(EXPORT relaisTargets NAMESPACE relais:: DESTINATION ${relais_cmake_dir})
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/relaisConfig.cmake.in ${PROJECT_BINARY_DIR}/relaisConfig.cmake
  INSTALL_DESTINATION ${relais_cmake_dir})
# 0.x: a new minor version may change the API, so only the same minor version is compatible.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/relaisConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/relaisConfig.cmake ${PROJECT_BINARY_DIR}/relaisConfigVersion.cmake
  DESTINATION ${relais_cmake_dir})

# The JSON Schemas of what `relais submit` takes: the contract a partner's system writes to.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/schema/ DESTINATION ${CMAKE_INSTALL_DATADIR}/relais/schema
  FILES_MATCHING PATTERN "*.schema.json")

# The manual pages, written in roff (man/).
install(FILES ${PROJECT_SOURCE_DIR}/man/relais.1 ${PROJECT_SOURCE_DIR}/man/relais-desk.1
  DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${PROJECT_SOURCE_DIR}/man/relaisd.8 ${PROJECT_SOURCE_DIR}/man/relais-agent.8
  DESTINATION ${CMAKE_INSTALL_MANDIR}/man8)

# The systemd units (systemd/, README.md "Running under systemd") in lib/systemd/system under the prefix, or where
# RELAIS_SYSTEMD_UNITDIR says (Debian 12 wants /lib/systemd/system: debian/rules), and the snapshot timer's script in
# libexec/relais. Their ExecStart lines name the programs by absolute paths, which are those of the prefix the install
# is made under: `cmake --install --prefix DIR` changes it after the build, so @BINDIR@, @SBINDIR@ and @LIBEXECDIR@
# are filled in when installing (the prefix without DESTDIR: where the files will be at run time), not when
# configuring.
set(RELAIS_SYSTEMD_UNITDIR lib/systemd/system CACHE STRING
  "Where the systemd units are installed: relative to the prefix, or absolute")
set(relais_units relaisd.service relaisd@.service relais-agent@.service relais-desk@.service relais-snapshot.service
  relais-snapshot.timer relais-snapshot@.service relais-snapshot@.timer)
install(CODE "
  set(BINDIR \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}\")
  set(SBINDIR \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_SBINDIR}\")
  set(LIBEXECDIR \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBEXECDIR}\")
  foreach(f ${relais_units} relais-snapshot)
    configure_file(\"${PROJECT_SOURCE_DIR}/systemd/\${f}\" \"${PROJECT_BINARY_DIR}/systemd/\${f}\" @ONLY)
  endforeach()")
list(TRANSFORM relais_units PREPEND ${PROJECT_BINARY_DIR}/systemd/)
install(FILES ${relais_units} DESTINATION ${RELAIS_SYSTEMD_UNITDIR})
install(PROGRAMS ${PROJECT_BINARY_DIR}/systemd/relais-snapshot DESTINATION ${CMAKE_INSTALL_LIBEXECDIR}/relais)
# Nothing of the desk's to install: its style sheet and script are compiled into relais (desk/assets.c), so that a
# desk always serves the assets of its own version. No unit for `relais witness` yet: a witness runs on another
# organisation's machine, with that organisation's own supervision.
