def convert(estimator, method="inline"):
    raise NotImplementedError("trees exporter: being written")
