"""The edge adapters both processes use: the outside world behind small interfaces.

    adapters.settings    configuration, read once from the environment (pydantic-settings)
    adapters.logcontext  the request a log line belongs to (a context variable)
    adapters.claude      the Claude client (core.pipeline.AIClient) on the anthropic SDK
    adapters.aislots     the AI slots shared by every worker (Redis), LimitedAI
    adapters.telegram    the workers' Bot API client (usecases.ports.Notifier), and the
                         request class that counts failed Bot API calls
    adapters.sendbudget  the Telegram send budget shared by every process (Redis)
    adapters.metrics     Prometheus metrics and their endpoint (PrometheusObserver)

The use cases never import these; the composition roots (jobs.root, jobs.resources,
bot.app, flexflow.cli) build them and hand them in.
"""
