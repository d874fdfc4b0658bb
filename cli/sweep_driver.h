/* Shared by cmd_sweep.c (local runs) and sweep_mpi.c (distributed runs). */
#ifndef DNNCRIT_SWEEP_DRIVER_H
#define DNNCRIT_SWEEP_DRIVER_H

#include <stdbool.h>
#include <stddef.h>

#include "dnncrit/sweep.h"

typedef struct {
    const char *spec_path;
    const char *out_dir;
    int threads; /* per process; 0: OpenMP default */
    bool quiet;
    int argc;
    char **argv;
    const char *plot; /* --plot FORMAT or NULL: sweep_finish renders DIR/sweep.json */
} sweep_args;

typedef struct {
    double t0;
    int ranks;
    int threads;
    size_t kept;     /* finished points found on start */
    size_t computed; /* points run now (all ranks) */
    double point_seconds;
} sweep_summary;

/* Writes table.csv and sweep.json, prints the summary; returns the exit code. */
int sweep_finish(const dnc_sweep *s, const sweep_args *a, const sweep_summary *sum);

/* Launcher detection from the environment: 0 when not started by an MPI
 * launcher, the world size when it is, -1 when launched with unknown size. */
int sweep_launcher_world_size(void);
/* Whether this dnncrit was built with MPI (DNNCRIT_WITH_MPI). */
bool sweep_mpi_built(void);
/* The distributed sweep (MPI_Init ... MPI_Finalize); returns the exit code. */
int sweep_run_mpi(const sweep_args *a);

#endif
