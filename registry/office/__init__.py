"""The civil registry office's rules, as pure modules.

    arabic_match   Arabic name normalisation, the trigram search key and score, Latin suggestions
    family_law     family-law rules as configuration (packaged TOML), pure checks with refusals
    declarations   the declaration and correction lifecycle: a pure state machine, four eyes
    vital_checks   validation of a vital event's facts: findings a clerk can act on
    staff_auth     staff passwords, TOTP, lockout and session policy; the identity-provider seam

Nothing in this package opens a database, a socket or a file other than its own packaged
defaults, reads the clock or logs; the routes and tables that use it live elsewhere.
"""
