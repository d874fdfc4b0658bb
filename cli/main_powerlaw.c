/* dnncrit-powerlaw: `dnncrit powerlaw` as a program of its own. It runs the
 * same code (cmd_powerlaw) and writes the same files, but is linked with
 * --as-needed against the static library, so it loads only what a fit uses
 * (libc, libm, libgomp, cJSON) and not OpenBLAS, HDF5 or MPI, whose loading
 * costs dnncrit several milliseconds per start (README, "power-law fits"). */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "dnncrit/version.h"

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--version") == 0) {
        printf("dnncrit-powerlaw %s\n", DNNCRIT_VERSION);
        return 0;
    }
    /* as `dnncrit powerlaw ...` passes it: the run record's argv then
     * reruns with either program */
    argv[0] = "powerlaw";
    return cmd_powerlaw(argc, argv);
}
