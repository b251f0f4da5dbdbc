"""The learning engine's machine learning, in pure PyTorch and NumPy (never Django).

The platform's entry points:

- :func:`meta_train` (``metamodel.ml.trained``): one model across courses; :class:`TrainedModel` adapts
  to a learner (:meth:`TrainedModel.adapt`) and scores candidate exercises (:meth:`TrainedModel.predict`);
- :func:`save_artifact` / :func:`load_artifact` (``metamodel.ml.artifact``);
- :func:`read_attempt_log`, :func:`read_exercise_texts` and :func:`is_test_learner` (``metamodel.ml.data``);
- :class:`TextNeighbours` (``metamodel.ml.text``): an untried exercise's difficulty from similar texts;
- :func:`score_predictions` (``metamodel.ml.metrics``) and :func:`run_evaluation`
  (``metamodel.ml.evaluation``, behind ``manage.py evaluate``).

Nothing is imported here, so that reading attempt logs (``metamodel.ml.data``) does not load torch.
"""
