// Package cartrainer is the example training image of the distributed-train
// component: a softmax-regression classifier that predicts a car's origin
// (Europe, Japan, USA) from the numeric columns of the cars dataset, read
// from the PostgreSQL offline store that prepare-data writes.
//
// It follows the trainer contract of package
// github.com/kfpgo/kfpgo/components/distributedtrain/contract: it reads
// TF_CONFIG as a TensorFlow trainer would, and its writing replica stores
// KFPGO_MODEL_DIR/model.json and the metrics file KFPGO_METRICS_FILE.
//
// # Data
//
// A [Source] returns the records of one split ("train", "validation",
// "test"). [PostgresSource] reads the offline store table (columns
// miles_per_gallon, cylinders, displacement, horsepower, weight_in_lbs,
// acceleration, year, origin, entity_key, split); [MemorySource] serves tests.
// Features are standardized with the training split's mean and standard
// deviation; a NULL feature is replaced by the training mean.
//
// # Training
//
// [Train] runs mini-batch gradient descent on the mean cross-entropy with L2
// weight decay. With several TF_CONFIG training replicas (chief + workers)
// it is synchronous data-parallel: every worker shuffles identically, takes
// a strided shard of each global batch, and the gradient sums are added
// across workers every step by a [Reducer]. [TCPReducer] does this over TCP
// at the TF_CONFIG addresses: rank 0 (chief, else worker 0) collects,
// sums in rank order and sends the total back. Two workers therefore
// produce the weights one worker produces with the same global batch, up to
// floating-point summation order, and a run is reproducible from its seed.
package cartrainer
