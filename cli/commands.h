/* One line per subcommand: X(name, function, one-line description).
 * Each function lives in cli/cmd_<name>.c. */
#ifndef DNNCRIT_COMMANDS_H
#define DNNCRIT_COMMANDS_H

#define DNC_COMMANDS(X) \
    X("version", cmd_version, "print the version and the libraries it was built with") \
    X("cnn", cmd_cnn, "propagate input pairs through random 1D/2D CNNs (order parameter per layer)") \
    X("train", cmd_train, "train an MLP on Fashion-MNIST / IDX data, with propagation observables") \
    X("train-sweep", cmd_train_sweep, "trainability over a grid of initialisations vs the critical line") \
    X("propagate", cmd_propagate, "finite-width propagation: per-layer q, c, rho, Lyapunov exponent") \
    X("demo", cmd_demo, "edge of chaos of a tanh MLP: critical sigma_w, finite width vs mean field")

#define DNC_DECLARE_COMMAND(name, fn, desc) int fn(int argc, char **argv);
DNC_COMMANDS(DNC_DECLARE_COMMAND)

#endif
