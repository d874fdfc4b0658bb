/* One line per subcommand: X(name, function, one-line description).
 * Each function lives in cli/cmd_<name>.c. */
#ifndef DNNCRIT_COMMANDS_H
#define DNNCRIT_COMMANDS_H

#define CLI_COMMANDS(X) \
    X("demo", cmd_demo, "edge of chaos of a tanh MLP: critical sigma_w, finite width vs mean field") \
    X("meanfield", cmd_meanfield, "mean-field q*, chi_1, kappa, depth scales, c*; trajectory") \
    X("critical", cmd_critical, "critical sigma_w (chi_1 = 1) for each sigma_b") \
    X("phase-diagram", cmd_phase_diagram, "mean-field phase diagram over a (sigma_b, sigma_w) grid") \
    X("propagate", cmd_propagate, "finite-width propagation: per-layer q, c, rho, Lyapunov exponent") \
    X("cnn", cmd_cnn, "propagate input pairs through random 1D/2D CNNs (order parameter per layer)") \
    X("dp", cmd_dp, "directed-percolation reference simulators (1+1, 2+1, mean field)") \
    X("exponents", cmd_exponents, "decay exponent, effective exponents, critical point, beta, nu_par, kappa") \
    X("fss", cmd_fss, "finite-size scaling data collapse with bootstrap errors") \
    X("classify", cmd_classify, "closest universality class to measured exponents") \
    X("avalanches", cmd_avalanches, "avalanches through the layers of random networks (damage spreading)") \
    X("langevin", cmd_langevin, "reduced Langevin theory: couplings r, h, D1, D2 from the network, predicted vs measured avalanche exponents") \
    X("raster", cmd_raster, "avalanches, exponents and branching ratio of an activity raster") \
    X("powerlaw", cmd_powerlaw, "fit a power law to a column of numbers (Clauset et al. 2009)") \
    X("susceptibility", cmd_susceptibility, "susceptibility scan over sigma_w and widths: peak vs mean-field critical point") \
    X("train", cmd_train, "train an MLP on Fashion-MNIST / IDX data, with propagation observables") \
    X("train-sweep", cmd_train_sweep, "trainability over a grid of initialisations vs the critical line") \
    X("advise", cmd_advise, "initialisation advice without training: sigma_w*, trainable depth, width") \
    X("sweep", cmd_sweep, "run a parameter sweep (threads or MPI ranks), resumable") \
    X("plot", cmd_plot, "render the figure of a result (PREFIX.json) as PNG, SVG or PDF") \
    X("report", cmd_report, "one self-contained HTML report of every result in a directory") \
    X("reproduce", cmd_reproduce, "reproduce a paper: measure and judge each of its claims (claims.csv, report.html)") \
    X("version", cmd_version, "print the version and the libraries it was built with")

#define CLI_DECLARE_COMMAND(name, fn, desc) int fn(int argc, char **argv);
CLI_COMMANDS(CLI_DECLARE_COMMAND)

#endif
