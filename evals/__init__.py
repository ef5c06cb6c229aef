"""The eval harness: prompt datasets through the real graph, measured, judged and compared.

`manimgraph eval run` (`evals.runner`) writes per-item results, a summary with bootstrap
confidence intervals and Markdown/HTML reports; `eval chaos-curve` (`evals.curve`) breaks
a share of the coder's answers (`evals.chaos`) to measure recovery; `eval compare`
(`evals.compare`) flags regressions between two runs.
"""
