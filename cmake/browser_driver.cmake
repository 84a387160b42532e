# The browser driver of the page tests (tests/browser/package.json, pinned by its
# package-lock.json): playwright-core, which drives Debian's /usr/bin/chromium (it downloads no
# browser). share/scripts/install-browser-driver.sh runs `npm ci` into ${BVLIVE_BROWSER_DRIVER_DIR};
# it does nothing when the pinned version is already there, and runs again when the lock changes.
# Included by tests/CMakeLists.txt after bvlive_test_support: the tests get the directory as
# BVLIVE_BROWSER_DRIVER_DIR (node finds playwright-core through NODE_PATH=DIR/node_modules).
set(BVLIVE_BROWSER_DRIVER_DIR ${CMAKE_BINARY_DIR}/browser-driver)
set(BVLIVE_PLAYWRIGHT_CORE ${BVLIVE_BROWSER_DRIVER_DIR}/node_modules/playwright-core/index.js)
add_custom_command(
  OUTPUT ${BVLIVE_PLAYWRIGHT_CORE}
  COMMAND bash ${CMAKE_SOURCE_DIR}/share/scripts/install-browser-driver.sh ${BVLIVE_BROWSER_DRIVER_DIR}
  DEPENDS ${CMAKE_SOURCE_DIR}/tests/browser/package.json ${CMAKE_SOURCE_DIR}/tests/browser/package-lock.json
          ${CMAKE_SOURCE_DIR}/share/scripts/install-browser-driver.sh ${CMAKE_SOURCE_DIR}/share/scripts/npm-install.sh
  COMMENT "Installing the browser driver (playwright-core) from the npm registry into ${BVLIVE_BROWSER_DRIVER_DIR}"
  VERBATIM)
add_custom_target(browser_driver ALL DEPENDS ${BVLIVE_PLAYWRIGHT_CORE})
target_compile_definitions(bvlive_test_support PUBLIC
  BVLIVE_BROWSER_DRIVER_DIR="${BVLIVE_BROWSER_DRIVER_DIR}"
  BVLIVE_BROWSER_TESTS_DIR="${CMAKE_SOURCE_DIR}/tests/browser")
add_dependencies(bvlive_test_support browser_driver)
