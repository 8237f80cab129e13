// What operators and admins can do to a journey, each by the update it is sent as, named as the API's action paths
// name them (POST /v1/journeys/{e164}/<name>) and as the CLI's direct mode sends them.
import {
  cancelUpdate,
  confirmDeletionUpdate,
  requestRemovalUpdate,
  resendCodeUpdate,
  sendTestMessageUpdate,
  setIdentityCheckUpdate,
  submitDisplayNameUpdate,
  submitOtpUpdate,
  submitPinUpdate,
} from '../domain/messages.js';

export const journeyActionUpdates = {
  otp: submitOtpUpdate,
  pin: submitPinUpdate,
  'display-name': submitDisplayNameUpdate,
  resend: resendCodeUpdate,
  cancel: cancelUpdate,
  removal: requestRemovalUpdate,
  'deletion-confirmation': confirmDeletionUpdate,
  'identity-check': setIdentityCheckUpdate,
  'test-message': sendTestMessageUpdate,
} as const;

export type JourneyActionName = keyof typeof journeyActionUpdates;
