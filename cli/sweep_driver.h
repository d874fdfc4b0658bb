/* The distributed sweep driver (sweep_mpi.c), a lower module that the
 * commands on the sweep engine (cmd_sweep.c, cmd_train_sweep.c) call; it
 * reaches a command only through the callbacks in sweep_args (load,
 * finish), so a command and the driver never use each other. */
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
    const char *command; /* "sweep", "train-sweep": in messages */
    const char *spec_path; /* sweep: the description file; else NULL */
    const char *out_dir;
    int threads; /* points in parallel per process; 0: OpenMP default */
    int point_threads; /* threads inside a point (dnc_sweep_exec_opts); 0: one */
    const char *progress_label; /* NULL: "sweep" */
    bool quiet;
    int argc;
    char **argv;
    const char *plot; /* --plot FORMAT or NULL: finish renders DIR/sweep.json */
    /* Every rank: the sweep to run (failure: message in dnc_last_error). */
    dnc_status (*load)(const sweep_args *a, dnc_sweep *s);
    /* Rank 0 once every point is done: writes the tables and the record,
     * prints the summary; returns the exit code. */
    int (*finish)(const dnc_sweep *s, const sweep_args *a, const sweep_summary *sum);
    void *ctx; /* the command's, for its callbacks */
};

/* Launcher detection from the environment: 0 when not started by an MPI
 * launcher, the world size when it is, -1 when launched with unknown size. */
int sweep_launcher_world_size(void);
/* Whether this dnncrit was built with MPI (DNNCRIT_WITH_MPI). */
bool sweep_mpi_built(void);
/* The distributed sweep (MPI_Init ... MPI_Finalize); returns the exit code. */
int sweep_run_mpi(const sweep_args *a);

#endif
