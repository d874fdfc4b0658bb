/* The distributed sweep driver (sweep_mpi.c), a lower module that
 * cmd_sweep.c calls; it calls back into the command only through
 * sweep_args.finish, so the two never use each other. */
#ifndef DNNCRIT_SWEEP_DRIVER_H
#define DNNCRIT_SWEEP_DRIVER_H

#include <stdbool.h>
#include <stddef.h>

#include "dnncrit/sweep.h"

typedef struct sweep_args sweep_args;

typedef struct {
    double t0;
    int ranks;
    int threads;
    size_t kept;     /* finished points found on start */
    size_t computed; /* points run now (all ranks) */
    double point_seconds;
} sweep_summary;

struct sweep_args {
    const char *spec_path;
    const char *out_dir;
    int threads; /* per process; 0: OpenMP default */
    bool quiet;
    int argc;
    char **argv;
    const char *plot; /* --plot FORMAT or NULL: finish renders DIR/sweep.json */
    /* Rank 0 once every point is done: writes table.csv and sweep.json,
     * prints the summary; returns the exit code. */
    int (*finish)(const dnc_sweep *s, const sweep_args *a, const sweep_summary *sum);
};

/* Launcher detection from the environment: 0 when not started by an MPI
 * launcher, the world size when it is, -1 when launched with unknown size. */
int sweep_launcher_world_size(void);
/* Whether this dnncrit was built with MPI (DNNCRIT_WITH_MPI). */
bool sweep_mpi_built(void);
/* The distributed sweep (MPI_Init ... MPI_Finalize); returns the exit code. */
int sweep_run_mpi(const sweep_args *a);

#endif
