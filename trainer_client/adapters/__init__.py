"""Trainer adapters: ``trl`` (GRPOTrainer reward functions), ``verl`` (custom_reward_function),
``openrlhf`` (file-mode reward function). Each imports only the client, never the trainer."""
