# Included by hal/CMakeLists.txt: builds aoe-firmware (this folder's own CMake project, with
# toolchains/x86_64-metal.cmake) as an external project of the main build, so
# `cmake --build build/release --target aoe-firmware` and the default build make it.
# Outputs in <build>/hal/metal: aoe-firmware (ELF), aoe-firmware.bin (flat multiboot image),
# aoe-firmware.map (link map, read by tests/metal/check_image.sh).
include(ExternalProject)
set(AOE_FIRMWARE_DIR ${CMAKE_CURRENT_BINARY_DIR}/metal)
ExternalProject_Add(aoe-firmware
  SOURCE_DIR ${CMAKE_CURRENT_SOURCE_DIR}/metal
  BINARY_DIR ${AOE_FIRMWARE_DIR}
  CMAKE_GENERATOR ${CMAKE_GENERATOR}
  CMAKE_ARGS
    -DCMAKE_TOOLCHAIN_FILE=${PROJECT_SOURCE_DIR}/toolchains/x86_64-metal.cmake
    -DCMAKE_BUILD_TYPE=Release
    -DAOE_FIRMWARE_VERSION=${PROJECT_VERSION}
  BUILD_ALWAYS ON
  INSTALL_COMMAND ""
  BUILD_BYPRODUCTS ${AOE_FIRMWARE_DIR}/aoe-firmware ${AOE_FIRMWARE_DIR}/aoe-firmware.bin
  USES_TERMINAL_BUILD ON)
set_property(GLOBAL PROPERTY AOE_FIRMWARE_DIR ${AOE_FIRMWARE_DIR})
