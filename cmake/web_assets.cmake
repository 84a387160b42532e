# Web assets from the npm registry (share/web/package.json, pinned by its package-lock.json):
# hls.js for the browser tests, the latency benchmark and, later, the daemon's player page.
# share/scripts/install-web.sh runs `npm ci` into ${BVLIVE_WEB_DIR}; it does nothing when the
# pinned version is already there, and runs again when the lock file changes.
set(BVLIVE_WEB_DIR ${CMAKE_BINARY_DIR}/web)
set(BVLIVE_HLS_JS ${BVLIVE_WEB_DIR}/node_modules/hls.js/dist/hls.min.js)
add_custom_command(
  OUTPUT ${BVLIVE_HLS_JS}
  COMMAND bash ${CMAKE_SOURCE_DIR}/share/scripts/install-web.sh ${BVLIVE_WEB_DIR}
  DEPENDS ${CMAKE_SOURCE_DIR}/share/web/package.json ${CMAKE_SOURCE_DIR}/share/web/package-lock.json
          ${CMAKE_SOURCE_DIR}/share/scripts/install-web.sh ${CMAKE_SOURCE_DIR}/share/scripts/npm-install.sh
  COMMENT "Installing web assets (hls.js) from the npm registry into ${BVLIVE_WEB_DIR}"
  VERBATIM)
add_custom_target(web_assets ALL DEPENDS ${BVLIVE_HLS_JS})
