package dev.nnet.emit;

import com.squareup.javapoet.ClassName;

/** The runtime classes generated code refers to. */
final class RuntimeTypes {
  private RuntimeTypes() {}

  static final String PKG = "dev.nnet.runtime";
  static final ClassName NETWORK = ClassName.get(PKG, "Network");
  static final ClassName NETWORK_SPEC = ClassName.get(PKG, "NetworkSpec");
  static final ClassName TASK = ClassName.get(PKG, "NetworkSpec", "Task");
  static final ClassName LAYER = ClassName.get(PKG, "NetworkSpec", "Layer");
  static final ClassName PARAM_TENSOR = ClassName.get(PKG, "ParamTensor");
  static final ClassName PRECISION = ClassName.get(PKG, "Precision");
  static final ClassName PLAN = ClassName.get(PKG, "TrainingPlan");
  static final ClassName PLAN_DATA = ClassName.get(PKG, "TrainingPlan", "Data");
  static final ClassName PLAN_SOURCE = ClassName.get(PKG, "TrainingPlan", "Source");
  static final ClassName PLAN_AUGMENT = ClassName.get(PKG, "TrainingPlan", "Augment");
  static final ClassName PREPROCESS_SPEC = ClassName.get(PKG, "Preprocessor", "Spec");
  static final ClassName PLAN_STAGE = ClassName.get(PKG, "TrainingPlan", "Stage");
  static final ClassName PLAN_STOPPING = ClassName.get(PKG, "TrainingPlan", "EarlyStopping");
  static final ClassName DATASET = ClassName.get(PKG, "Dataset");
  static final ClassName ARENA = ClassName.get(PKG, "Arena");
  static final ClassName ARENAS = ClassName.get(PKG, "Arenas");
  static final ClassName RNG = ClassName.get(PKG, "Rng");
  static final ClassName TILE_WARMUP = ClassName.get(PKG, "TileWarmup");
  static final ClassName SCALAR_TWINS = ClassName.get(PKG, "ScalarTwins");
  static final ClassName TEAM = ClassName.get(PKG, "Team");
  static final ClassName TEAM_WORK = ClassName.get(PKG, "Team", "Work");
  static final ClassName INITIALIZERS = ClassName.get(PKG, "Initializers");
}
