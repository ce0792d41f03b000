"""Writes of the recruiting app. Admin actions, imports, tasks and tests call these functions.

Import the module you need (no re-exports here, so the modules stay independent):

- errors: `RecruitingError` and `TransitionNotAllowed`, the domain errors of every module;
- pipeline: the application lifecycle (apply, move, reject, withdraw) and its allowed transitions;
- interviews: schedule, reschedule, confirm, complete, cancel interviews; interviewer feedback;
- offers: draft, send, accept, decline, withdraw and expire offers;
- checks: background checks and the verification of their documents;
- candidates: duplicate detection and merging;
- hiring: the hand-off from an accepted offer to a people.Employee;
- jobs, retention: job actions and the anonymisation of candidates past their retention date.
"""
