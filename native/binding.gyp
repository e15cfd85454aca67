{
  "targets": [
    {
      "target_name": "dmflow_native",
      "sources": ["dmflow_native.c"],
      "cflags": ["-O3"],
      "libraries": ["-lopenblas"]
    }
  ]
}
