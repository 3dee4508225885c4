"""The domain, pure: no I/O, no framework, nothing of the other packages.

core.domain       the vocabulary: types, levels, goals, equipment, units, request states
core.models       value objects: the profile, the request, the workout
core.coaches      the nine coaches: who they are, how they talk
core.catalogue    the exercise catalogue (core/data/catalogue.json: exercises.yaml's
                  hand-written entries and free-exercise-db's, by flexflow catalogue import)
core.loads        starting loads per movement, on real implements
core.muscles      muscle classes and groups (loads, swaps)
core.pictures     an exercise's picture and steps for the chat
core.rulebased    the rule-based generator
core.prompt       the prompt for one workout (the Claude client sends it)
core.validation   is an answer the workout that was asked for?
core.pipeline     a request to a workout: the AI (an AIClient handed in), checks, fallback
core.progression  double progression: the next loads from what was logged
core.swap         swapping one exercise for another
core.shorthand    typed sets ("60x8 60x8 62.5x6")
core.progress     /progress's numbers; core.charts its chart; core.export /export's CSV
core.render       workouts as Telegram HTML and terminal text (render_plan)
"""
