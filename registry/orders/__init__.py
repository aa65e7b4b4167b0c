"""Orders from every channel: placed, paid, fulfilled where the citizen chose (`store`,
`fulfil`, `states`, `codes`, `notices`)."""
