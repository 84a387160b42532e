# What tests/api/check_openapi.mjs needs (tests/api/package.json, pinned by its
# package-lock.json): @seriousme/openapi-schema-validator (the OpenAPI 3.1 document is valid),
# ajv and ajv-formats (answers match the document's JSON Schema 2020-12 schemas).
# share/scripts/install-api-validator.sh runs `npm ci` into ${BVLIVE_API_VALIDATOR_DIR}; it
# does nothing when the pinned versions are already there, and runs again when the lock changes.
# Included by tests/CMakeLists.txt after the integration tests are defined: test_api_openapi
# gets the directory as BVLIVE_API_VALIDATOR_DIR (node finds the packages through
# NODE_PATH=DIR/node_modules), the script's folder and the document.
set(BVLIVE_API_VALIDATOR_DIR ${CMAKE_BINARY_DIR}/api-validator)
set(BVLIVE_API_VALIDATOR_MARKER ${BVLIVE_API_VALIDATOR_DIR}/node_modules/ajv/dist/2020.js)
add_custom_command(
  OUTPUT ${BVLIVE_API_VALIDATOR_MARKER}
  COMMAND bash ${CMAKE_SOURCE_DIR}/share/scripts/install-api-validator.sh ${BVLIVE_API_VALIDATOR_DIR}
  DEPENDS ${CMAKE_SOURCE_DIR}/tests/api/package.json ${CMAKE_SOURCE_DIR}/tests/api/package-lock.json
          ${CMAKE_SOURCE_DIR}/share/scripts/install-api-validator.sh ${CMAKE_SOURCE_DIR}/share/scripts/npm-install.sh
  COMMENT "Installing the OpenAPI validator (ajv, @seriousme/openapi-schema-validator) from the npm registry into ${BVLIVE_API_VALIDATOR_DIR}"
  VERBATIM)
add_custom_target(api_validator ALL DEPENDS ${BVLIVE_API_VALIDATOR_MARKER})
if(TARGET test_api_openapi)
  target_compile_definitions(test_api_openapi PRIVATE
    BVLIVE_API_VALIDATOR_DIR="${BVLIVE_API_VALIDATOR_DIR}"
    BVLIVE_API_TESTS_DIR="${CMAKE_SOURCE_DIR}/tests/api"
    BVLIVE_OPENAPI_DOC="${CMAKE_SOURCE_DIR}/share/openapi/bvlive-api.json")
  add_dependencies(test_api_openapi api_validator)
endif()
