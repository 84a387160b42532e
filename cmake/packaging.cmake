# The Debian package, made by `cpack -G DEB` in a build that share/scripts/build-deb.sh
# configures (Release, prefix /usr, BVLIVE_PACKAGE=ON). Its files are the project's install
# rules, the same ones `cmake --install` follows: binaries (cli/, daemon/), man pages (man/),
# systemd units, bash completion, the example config and the OpenAPI document (share/), plus
# the ones below. Depends: dpkg-shlibdeps's libraries, ffmpeg and adduser. The maintainer
# scripts (cmake/deb/) create the bvlive user and enable the socket unit under systemd.

# hls.js, which the web_assets target installs from npm into the build's web/, is installed
# where a package build's bvlived looks for it when [http] web_root is empty
# (daemon/CMakeLists.txt: BVLIVE_DEFAULT_WEB_ROOT), so no npm is needed at run time.
set(BVLIVE_INSTALLED_WEB_DIR ${CMAKE_INSTALL_DATADIR}/bvlive/web)
install(FILES ${BVLIVE_HLS_JS} DESTINATION ${BVLIVE_INSTALLED_WEB_DIR}/node_modules/hls.js/dist)
install(FILES ${BVLIVE_WEB_DIR}/node_modules/hls.js/LICENSE DESTINATION ${BVLIVE_INSTALLED_WEB_DIR}/node_modules/hls.js)

# The config the daemon reads by default, as a conffile (cmake/deb/conffiles): dpkg keeps an
# edited copy on upgrade and remove. A source install does not write to /etc.
if(BVLIVE_PACKAGE)
  install(FILES ${CMAKE_SOURCE_DIR}/share/bvlived.toml DESTINATION /etc/bvlive)
endif()

set(BVLIVE_PACKAGE_MAINTAINER "bvlive maintainers <bvlive@localhost>"
    CACHE STRING "Maintainer field of the Debian package")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME bvlive)
set(CPACK_PACKAGE_VENDOR bvlive)
set(CPACK_PACKAGE_CONTACT "${BVLIVE_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "live streaming daemon: RTMP, SRT and WHIP ingest, HLS and LL-HLS origin")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "bvlived takes live pushes over RTMP, SRT and WHIP, packages them as HLS or LL-HLS\n"
    "(copied, or transcoded by ffmpeg into an ABR ladder) and serves them with a viewer\n"
    "page, chat and polls, playback tokens, geo and domain control and AES-128. Lives are\n"
    "managed with the bvlive command or an HTTP API. The package runs the daemon as the\n"
    "bvlive user with systemd socket activation (bvlived.socket).")
string(JOIN "" CPACK_DEBIAN_PACKAGE_DESCRIPTION ${CPACK_DEBIAN_PACKAGE_DESCRIPTION})
set(CPACK_DEBIAN_PACKAGE_SECTION video)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # bvlive_VERSION-RELEASE_ARCH.deb
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "ffmpeg, adduser")  # the transcoder and prober; the postinst
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${CMAKE_CURRENT_LIST_DIR}/deb/postinst ${CMAKE_CURRENT_LIST_DIR}/deb/prerm
    ${CMAKE_CURRENT_LIST_DIR}/deb/postrm ${CMAKE_CURRENT_LIST_DIR}/deb/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)  # scripts 0755, conffiles 0644
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_STRIP_FILES ON)
# What a package needs of the configuration, checked when cpack runs (deb/check_build.cmake).
set(CPACK_BVLIVE_PACKAGE ${BVLIVE_PACKAGE})
set(CPACK_PROJECT_CONFIG_FILE ${CMAKE_CURRENT_LIST_DIR}/deb/check_build.cmake)
include(CPack)
