# `make package`: a Debian package built by CPack (DEB): the binary, the
# systemd unit (packaging/strata.service), the default configuration in
# /etc/strata (a conffile), maintainer scripts that create the `strata`
# system user and the state directory (packaging/debian/), and man pages
# generated from the CLI's own help (scripts/gen-man.py, target strata_man).
find_package(Python3 REQUIRED COMPONENTS Interpreter)
set(STRATA_MAN_DIR ${CMAKE_BINARY_DIR}/man)
add_custom_command(OUTPUT ${STRATA_MAN_DIR}/strata.1.gz
  COMMAND ${CMAKE_COMMAND} -E rm -rf ${STRATA_MAN_DIR}
  COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/scripts/gen-man.py $<TARGET_FILE:strata> ${STRATA_MAN_DIR}
          ${PROJECT_VERSION}
  DEPENDS strata ${CMAKE_SOURCE_DIR}/scripts/gen-man.py
  COMMENT "man pages from the CLI's help")
add_custom_target(strata_man DEPENDS ${STRATA_MAN_DIR}/strata.1.gz)

# `make package` builds strata and strata_man itself; installing must not
# build everything else (unit tests).
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)
install(TARGETS strata RUNTIME DESTINATION bin)
install(FILES packaging/strata.service DESTINATION lib/systemd/system)
install(FILES packaging/strata.yaml DESTINATION /etc/strata)
install(DIRECTORY ${STRATA_MAN_DIR}/ DESTINATION share/man/man1 FILES_MATCHING PATTERN "*.1.gz")
install(FILES README.md docs/config.md docs/architecture.md DESTINATION share/doc/strata)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME strata)
set(CPACK_PACKAGE_VENDOR "strata")
set(CPACK_PACKAGE_CONTACT "strata maintainers <maintainers@strata.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "edge gateway: HTTP/1.1, HTTP/2 and HTTP/3 reverse proxy with a real-time hub")
set(CPACK_PACKAGE_DESCRIPTION "strata terminates HTTP/1.1, HTTP/2 and HTTP/3 (QUIC), routes and load-balances
to upstream services, reloads without dropping requests and serves WebSocket/SSE
clients from its built-in hub. Runs as the strata system user under systemd.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  ${CMAKE_SOURCE_DIR}/packaging/debian/postinst
  ${CMAKE_SOURCE_DIR}/packaging/debian/prerm
  ${CMAKE_SOURCE_DIR}/packaging/debian/postrm
  ${CMAKE_SOURCE_DIR}/packaging/debian/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
include(CPack)
