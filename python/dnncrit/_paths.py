# Where to look for libdnncrit.so besides $DNNCRIT_LIB and the system's library
# path. `cmake --install` replaces this file with one naming the installed
# library directory (cmake/install.cmake).
LIBRARY_DIRS = []
