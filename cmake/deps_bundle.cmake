# Dependencies from a folder packed by scripts/pack-deps.sh (LASER_DEPS_DIR) instead of Debian's
# packages: the same imported target names the packages' CMake configs give, so the rest of the
# build does not know the difference. fmt is used header-only; toml++'s implementation is compiled
# once (toml_impl.cpp); GoogleTest is built from its sources with the libtorch's ABI flag; PCRE2 is
# linked statically. No BLAS here: Eigen uses its own kernels (system BLAS is not assumed).
set(_d ${LASER_DEPS_DIR})
foreach(_f include/nlohmann/json.hpp include/toml++/toml.h include/CLI/CLI.hpp include/fmt/format.h
           include/eigen3/Eigen/Core include/pcre2.h lib/libpcre2-8.a googletest/CMakeLists.txt toml_impl.cpp)
  if(NOT EXISTS ${_d}/${_f})
    message(FATAL_ERROR "LASER_DEPS_DIR=${_d}: ${_f} is missing; hint: run scripts/pack-deps.sh ${_d} on a machine with scripts/install-deps.sh's packages")
  endif()
endforeach()
foreach(_t nlohmann_json::nlohmann_json tomlplusplus::tomlplusplus CLI11::CLI11 fmt::fmt)
  add_library(${_t} INTERFACE IMPORTED)
  set_target_properties(${_t} PROPERTIES INTERFACE_INCLUDE_DIRECTORIES ${_d}/include)
endforeach()
set_target_properties(fmt::fmt PROPERTIES INTERFACE_COMPILE_DEFINITIONS FMT_HEADER_ONLY=1)
set_target_properties(tomlplusplus::tomlplusplus PROPERTIES INTERFACE_COMPILE_DEFINITIONS TOML_HEADER_ONLY=0)
add_library(Eigen3::Eigen INTERFACE IMPORTED)
set_target_properties(Eigen3::Eigen PROPERTIES INTERFACE_INCLUDE_DIRECTORIES ${_d}/include/eigen3)
add_library(PkgConfig::PCRE2 STATIC IMPORTED)
set_target_properties(PkgConfig::PCRE2 PROPERTIES IMPORTED_LOCATION ${_d}/lib/libpcre2-8.a
  INTERFACE_INCLUDE_DIRECTORIES ${_d}/include)
set(LASER_EXTRA_BASE_SOURCES ${_d}/toml_impl.cpp)
set(LASER_GLOO_HEADERS ${_d}/gloo)
if(LASER_BUILD_TESTS)
  set(INSTALL_GTEST OFF CACHE BOOL "" FORCE)
  set(BUILD_GMOCK ON CACHE BOOL "" FORCE)
  add_subdirectory(${_d}/googletest ${CMAKE_BINARY_DIR}/googletest EXCLUDE_FROM_ALL)
  foreach(_g gtest gtest_main gmock)
    if(NOT TARGET GTest::${_g})  # GoogleTest >= 1.11 defines these aliases itself
      add_library(GTest::${_g} ALIAS ${_g})
    endif()
  endforeach()
endif()
message(STATUS "dependencies from ${_d} (scripts/pack-deps.sh)")
