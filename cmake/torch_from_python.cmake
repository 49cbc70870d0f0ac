# libtorch from a Python torch, for when find_package(Torch) cannot be used: Debian's python3-torch
# ships no TorchConfig.cmake, and a CUDA wheel's TorchConfig needs a CUDA toolkit the machine may
# not have. Asks LASER_TORCH_PYTHON for torch's include and library folders, its C++ ABI flag and
# whether it is a CUDA build, and sets what find_package(Torch) would: TORCH_LIBRARIES,
# TORCH_CXX_FLAGS, TORCH_INCLUDE_DIRS (through the imported target laser_libtorch).
execute_process(
  COMMAND ${LASER_TORCH_PYTHON} -c "import os, torch
d = os.path.dirname(torch.__file__)
print(os.path.join(d, 'include'))
print(os.path.join(d, 'include', 'torch', 'csrc', 'api', 'include'))
print(os.path.join(d, 'lib'))
print(int(torch._C._GLIBCXX_USE_CXX11_ABI))
print(torch.__version__)
print(torch.version.cuda or '')
try:
    import nvidia
    print(';'.join(sorted(os.path.join(p, q, 'include') for p in nvidia.__path__ for q in os.listdir(p) if os.path.isdir(os.path.join(p, q, 'include')))))
except Exception:
    print('')"
  OUTPUT_VARIABLE _tp_out ERROR_VARIABLE _tp_err RESULT_VARIABLE _tp_rc OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT _tp_rc EQUAL 0)
  message(FATAL_ERROR "LASER_TORCH_PYTHON=${LASER_TORCH_PYTHON}: cannot import torch (${_tp_err}); hint: point it at a Python with torch installed")
endif()
string(REPLACE "\n" ";" _tp_lines "${_tp_out}")
list(GET _tp_lines 0 _tp_inc)
list(GET _tp_lines 1 _tp_api)
list(GET _tp_lines 2 _tp_lib)
list(GET _tp_lines 3 _tp_abi)
list(GET _tp_lines 4 LASER_TORCH_VERSION)
list(LENGTH _tp_lines _tp_n)
set(LASER_TORCH_CUDA "")
set(LASER_CUDA_INCLUDE_HINTS "")
if(_tp_n GREATER 5)
  list(GET _tp_lines 5 LASER_TORCH_CUDA)
endif()
if(_tp_n GREATER 6)  # the pip wheels' nvidia-* packages (NCCL, CUDA runtime headers)
  list(SUBLIST _tp_lines 6 -1 LASER_CUDA_INCLUDE_HINTS)
endif()
if(NOT EXISTS ${_tp_inc}/torch/torch.h AND NOT EXISTS ${_tp_api}/torch/torch.h)
  message(FATAL_ERROR "LASER_TORCH_PYTHON: torch ${LASER_TORCH_VERSION} at ${_tp_inc} has no C++ headers; hint: install a torch that ships include/ (pip wheels and Debian's python3-torch do)")
endif()
set(_tp_libs)
foreach(_l torch torch_cpu c10 torch_cuda c10_cuda)
  find_library(_tp_${_l} NAMES ${_l} PATHS ${_tp_lib} NO_DEFAULT_PATH)
  if(_tp_${_l})
    list(APPEND _tp_libs ${_tp_${_l}})
  elseif(_l STREQUAL "torch" OR _l STREQUAL "c10")
    message(FATAL_ERROR "LASER_TORCH_PYTHON: lib${_l}.so not found in ${_tp_lib}; hint: is this a complete torch install?")
  endif()
endforeach()
add_library(laser_libtorch INTERFACE)
target_include_directories(laser_libtorch SYSTEM INTERFACE ${_tp_inc} ${_tp_api})
# --no-as-needed: libtorch_cuda registers the CUDA kernels when loaded; nothing calls into it directly.
# --allow-shlib-undefined: a wheel's libraries find their CUDA/NCCL dependencies through their own
# $ORIGIN run paths at load time, which the linker does not follow when checking them.
target_link_libraries(laser_libtorch INTERFACE "-Wl,--no-as-needed" "-Wl,--allow-shlib-undefined" ${_tp_libs} Threads::Threads)
set(TORCH_LIBRARIES laser_libtorch)
set(TORCH_INCLUDE_DIRS ${_tp_inc} ${_tp_api})
set(TORCH_CXX_FLAGS "-D_GLIBCXX_USE_CXX11_ABI=${_tp_abi}")
set(CMAKE_BUILD_RPATH ${CMAKE_BUILD_RPATH} ${_tp_lib})
message(STATUS "libtorch ${LASER_TORCH_VERSION} from ${LASER_TORCH_PYTHON} (${_tp_lib}; C++11 ABI ${_tp_abi}; CUDA ${LASER_TORCH_CUDA})")
