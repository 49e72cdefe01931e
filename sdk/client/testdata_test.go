package client_test

// trainYAML is a small hand-written KFP IR pipeline with typed root inputs
// and a kubernetes platform document.
const trainYAML = `# PIPELINE DEFINITION
# Name: car-training
pipelineInfo:
  name: car-training
root:
  dag:
    tasks:
      train:
        taskInfo:
          name: train
        componentRef:
          name: comp-train
  inputDefinitions:
    parameters:
      dataset_uri:
        parameterType: STRING
      epochs:
        parameterType: NUMBER_INTEGER
      learning_rate:
        parameterType: NUMBER_DOUBLE
        defaultValue: 0.01
      shuffle:
        parameterType: BOOLEAN
        isOptional: true
      layers:
        parameterType: LIST
        isOptional: true
components:
  comp-train:
    executorLabel: exec-train
deploymentSpec:
  executors:
    exec-train:
      container:
        image: example.com/train:1
schemaVersion: 2.1.0
sdkVersion: kfpgo
---
platforms:
  kubernetes:
    deploymentSpec:
      executors:
        exec-train:
          nodeSelector:
            labels:
              pool: gpu
`

// helloYAML has one optional string input and no platform document.
const helloYAML = `pipelineInfo:
  name: hello
root:
  inputDefinitions:
    parameters:
      who:
        parameterType: STRING
        defaultValue: world
schemaVersion: 2.1.0
`
