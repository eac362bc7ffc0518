// Settings → Ledger and the enrolment screen: the enrolment states and the refusals their commands give, listed
// for the dictionaries' completeness test.

import type { EnrolmentState } from './ipc/types';

export const ENROLMENT_STATES: readonly EnrolmentState[] = ['open', 'used', 'withdrawn', 'expired', 'too_many_attempts'];

/** The reasons `ledger_info`, the enrolment commands, `startup_state` and `enrol_desk` refuse with. */
export const ENROLMENT_REASONS = [
  'enrolment_needs_shared_ledger',
  'enrolment_id_taken',
  'enrolment_not_open',
  'desk_name_length',
  'enrolment_code_format',
  'enrolment_code_unknown',
  'enrolment_code_used',
  'enrolment_code_withdrawn',
  'enrolment_code_ended',
  'enrolment_code_expired',
  'enrolment_code_wrong',
  'enrolment_other_ledger',
  'desk_enrolled_already',
  'desk_not_enrolled',
] as const;

/** The audit actions of enrolling desks. */
export const ENROLMENT_AUDIT_ACTIONS = ['desk.enrolment_created', 'desk.enrolment_withdrawn', 'desk.enrolled'] as const;

/** The reasons moving this desk's ledger into a shared one, or joining one, refuse with (and a moved file's writes). */
export const LEDGER_MOVE_REASONS = [
  'ledger_url_invalid',
  'ledger_unreachable',
  'ledger_target_not_empty',
  'ledger_shared_already',
  'ledger_url_empty',
  'ledger_url_same',
  'ledger_copy_failed',
  'ledger_moved',
] as const;

/** The audit actions of moving the ledger and of joining a shared ledger. */
export const LEDGER_MOVE_AUDIT_ACTIONS = ['ledger.moved', 'ledger.joined'] as const;
