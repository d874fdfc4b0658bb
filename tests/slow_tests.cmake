# list(APPEND SLOW_TESTS test_name) for tests too heavy for the valgrind pass
list(APPEND SLOW_TESTS test_avalanche_critical)
list(APPEND SLOW_TESTS test_scaling_mf)
list(APPEND SLOW_TESTS test_scaling_dp)
list(APPEND SLOW_TESTS test_meanfield_asymptotics)
list(APPEND SLOW_TESTS test_mf_vs_width)
list(APPEND SLOW_TESTS test_plot_recipes)
list(APPEND SLOW_TESTS test_propagate_meanfield)
list(APPEND SLOW_TESTS test_powerlaw_coverage)
