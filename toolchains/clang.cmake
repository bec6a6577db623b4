# Native build with the system clang (needed for libFuzzer and ThreadSanitizer runs).
set(CMAKE_C_COMPILER clang)
set(CMAKE_CXX_COMPILER clang++)
