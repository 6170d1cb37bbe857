# ttq_add_test(NAME name SOURCES a.cpp b.cpp LIBS lib... [PROPERTIES prop value ...])
# One GoogleTest executable registered with ctest (each TEST becomes a ctest case);
# PROPERTIES are set on every case (fixtures, environment).
function(ttq_add_test)
  cmake_parse_arguments(T "" "NAME;TIMEOUT" "SOURCES;LIBS;LABELS;PROPERTIES" ${ARGN})
  add_executable(${T_NAME} ${T_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE ${T_LIBS} GTest::gtest GTest::gtest_main)
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 600)
  endif()
  gtest_discover_tests(${T_NAME} DISCOVERY_TIMEOUT 120 PROPERTIES TIMEOUT ${T_TIMEOUT} LABELS "${T_LABELS}" ${T_PROPERTIES})
endfunction()
