# Read by cpack (CPACK_PROJECT_CONFIG_FILE, cmake/packaging.cmake) before it packages: a
# package is only made from a build configured for one, whose bvlived looks for its web
# assets and whose unit looks for the daemon where the package puts them.
if(NOT CPACK_BVLIVE_PACKAGE OR NOT CPACK_PACKAGING_INSTALL_PREFIX STREQUAL "/usr")
  message(FATAL_ERROR "bvlive: this build is not configured for a package (it needs -DBVLIVE_PACKAGE=ON "
                      "-DCMAKE_INSTALL_PREFIX=/usr, here ${CPACK_BVLIVE_PACKAGE} and ${CPACK_PACKAGING_INSTALL_PREFIX}); "
                      "run bash share/scripts/build-deb.sh")
endif()
