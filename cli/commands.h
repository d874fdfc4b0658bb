/* One line per subcommand: X(name, function, one-line description).
 * Each function lives in cli/cmd_<name>.c. */
#ifndef DNNCRIT_COMMANDS_H
#define DNNCRIT_COMMANDS_H

#define DNC_COMMANDS(X) \
    X("version", cmd_version, "print the version and the libraries it was built with") \
    X("meanfield", cmd_meanfield, "mean-field q*, chi_1, kappa, depth scales, c*; trajectory") \
    X("critical", cmd_critical, "critical sigma_w (chi_1 = 1) for each sigma_b") \
    X("phase-diagram", cmd_phase_diagram, "mean-field phase diagram over a (sigma_b, sigma_w) grid") \
    X("propagate", cmd_propagate, "finite-width propagation: per-layer q, c, rho, Lyapunov exponent") \
    X("demo", cmd_demo, "edge of chaos of a tanh MLP: critical sigma_w, finite width vs mean field") \
    X("advise", cmd_advise, "initialisation advice without training: sigma_w*, trainable depth, width") \
    X("powerlaw", cmd_powerlaw, "fit a power law to a column of numbers (Clauset et al. 2009)") \
    X("raster", cmd_raster, "avalanches, exponents and branching ratio of an activity raster") \
    X("avalanches", cmd_avalanches, "avalanches through the layers of random networks (damage spreading)") \
    X("susceptibility", cmd_susceptibility, "susceptibility scan over sigma_w and widths: peak vs mean-field critical point")

#define DNC_DECLARE_COMMAND(name, fn, desc) int fn(int argc, char **argv);
DNC_COMMANDS(DNC_DECLARE_COMMAND)

#endif
