# cmake --install build --prefix P installs
#   bin/dnncrit                              the CLI
#   bin/dnncrit-powerlaw                     `dnncrit powerlaw`, lean (CMakeLists.txt)
#   lib/libdnncrit.so*, lib/libdnncrit.a     the library, shared and static
#   include/dnncrit.h, include/dnncrit/*.h   the public headers (the internal
#                                            ones stay beside their sources)
#   lib/pkgconfig/dnncrit.pc                 pkg-config --cflags --libs [--static] dnncrit
#   share/man/man1/dnncrit.1, dnncrit-<command>.1   from --help, by help2man
#   share/bash-completion/completions/dnncrit       from --help
#   lib/python3.X/dist-packages/dnncrit/     the Python module (ctypes over the
#                                            shared library; DNNCRIT_PYTHON_DIR)
# (lib is CMAKE_INSTALL_LIBDIR, e.g. lib/x86_64-linux-gnu under /usr.)
include(GNUInstallDirs)

install(TARGETS dnncrit_cli dnncrit_powerlaw RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS dnncrit dnncrit_shared
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(FILES ${PROJECT_SOURCE_DIR}/include/dnncrit.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/dnncrit ${PROJECT_BINARY_DIR}/generated/dnncrit
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.h")

# dnncrit.pc: what a program linking the shared library needs (Cflags, Libs),
# and for a static link the libraries underneath (pkg-config --static).
function(dnc_pc_dir var dir)
  if(IS_ABSOLUTE "${dir}")
    set(${var} "${dir}" PARENT_SCOPE)
  else()
    set(${var} "\${prefix}/${dir}" PARENT_SCOPE)
  endif()
endfunction()
dnc_pc_dir(DNNCRIT_PC_LIBDIR "${CMAKE_INSTALL_LIBDIR}")
dnc_pc_dir(DNNCRIT_PC_INCLUDEDIR "${CMAKE_INSTALL_INCLUDEDIR}")
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  set(DNNCRIT_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
else() # relocatable: the prefix relative to the .pc file's directory
  file(RELATIVE_PATH pc_up "/p/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/p")
  string(REGEX REPLACE "/$" "" pc_up "${pc_up}")
  set(DNNCRIT_PC_PREFIX "\${pcfiledir}/${pc_up}")
endif()
# no hdf5: the NWB reader loads it at run time (dlopen)
set(DNNCRIT_PC_REQUIRES_PRIVATE "openblas gsl libcjson zlib")
set(DNNCRIT_PC_LIBS_PRIVATE "${OpenMP_C_FLAGS} -lm")
foreach(lib ${CMAKE_DL_LIBS})
  string(APPEND DNNCRIT_PC_LIBS_PRIVATE " -l${lib}")
endforeach()
if(DNNCRIT_WITH_CUDA)
  string(APPEND DNNCRIT_PC_LIBS_PRIVATE " -L${CUDAToolkit_LIBRARY_DIR} -lcublas -lcudart")
endif()
configure_file(${PROJECT_SOURCE_DIR}/cmake/dnncrit.pc.in ${PROJECT_BINARY_DIR}/dnncrit.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/dnncrit.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# Man pages and bash completion, generated from the built CLI's --help.
find_program(HELP2MAN help2man)
if(NOT HELP2MAN)
  message(STATUS "help2man not found: no man pages (apt-get install help2man)")
endif()
set(docs_dir ${PROJECT_BINARY_DIR}/cli-docs)
add_custom_command(OUTPUT ${docs_dir}/stamp
  COMMAND ${PROJECT_SOURCE_DIR}/cmake/gen_cli_docs.sh $<TARGET_FILE:dnncrit_cli> ${docs_dir}
    ${PROJECT_VERSION} "${HELP2MAN}"
  COMMAND ${CMAKE_COMMAND} -E touch ${docs_dir}/stamp
  DEPENDS dnncrit_cli ${PROJECT_SOURCE_DIR}/cmake/gen_cli_docs.sh
  COMMENT "Generating man pages and bash completion from dnncrit --help")
add_custom_target(dnncrit_cli_docs ALL DEPENDS ${docs_dir}/stamp)
if(HELP2MAN)
  install(DIRECTORY ${docs_dir}/man1 DESTINATION ${CMAKE_INSTALL_MANDIR})
endif()
install(FILES ${docs_dir}/completion/dnncrit
  DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)

# CI's check of all of it: install into a temporary prefix, build
# examples/api_example.c (C) and the umbrella header (C++) with pkg-config only.
# Not in sanitizer builds: an instrumented library needs its runtime in the
# program too, which a plain pkg-config user does not link.
if(DNNCRIT_BUILD_TESTS AND NOT DNNCRIT_SANITIZE AND NOT DNNCRIT_FUZZ)
  add_test(NAME install_check COMMAND ${PROJECT_SOURCE_DIR}/tests/install_check.sh
    ${PROJECT_BINARY_DIR} ${PROJECT_SOURCE_DIR})
  set_tests_properties(install_check PROPERTIES LABELS slow TIMEOUT 600)
endif()

# The Python module: the package as it is in python/, with _paths.py naming
# the installed library directory. Debian's python3 reads
# <prefix>/lib/python3.X/dist-packages for /usr/local (and /usr/lib/python3/dist-packages
# for /usr); DNNCRIT_PYTHON_DIR overrides.
if(EXISTS /usr/bin/python3) # Debian's, the one with python3-numpy
  set(Python3_EXECUTABLE /usr/bin/python3)
endif()
find_package(Python3 COMPONENTS Interpreter)
if(Python3_FOUND)
  set(DNNCRIT_PYTHON_DIR "lib/python${Python3_VERSION_MAJOR}.${Python3_VERSION_MINOR}/dist-packages"
    CACHE STRING "where cmake --install puts the dnncrit Python package (relative: under the prefix)")
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/python/dnncrit DESTINATION ${DNNCRIT_PYTHON_DIR}
    FILES_MATCHING PATTERN "*.py" PATTERN "_paths.py" EXCLUDE PATTERN "__pycache__" EXCLUDE)
  install(CODE "
    set(DNNCRIT_PY_LIBDIR \"${CMAKE_INSTALL_FULL_LIBDIR}\")
    if(NOT IS_ABSOLUTE \"${CMAKE_INSTALL_LIBDIR}\")
      set(DNNCRIT_PY_LIBDIR \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR}\")
    endif()
    set(py_dir \"${DNNCRIT_PYTHON_DIR}\")
    if(NOT IS_ABSOLUTE \"\${py_dir}\")
      set(py_dir \"\${CMAKE_INSTALL_PREFIX}/\${py_dir}\")
    endif()
    configure_file(\"${PROJECT_SOURCE_DIR}/python/dnncrit/_paths.py.in\"
      \"\$ENV{DESTDIR}\${py_dir}/dnncrit/_paths.py\" @ONLY)
    message(STATUS \"Installing: \$ENV{DESTDIR}\${py_dir}/dnncrit/_paths.py\")")
endif()
