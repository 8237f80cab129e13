// How a journey's display names read to a person (`show`, the console): each name beside its own status. The view
// keeps one status, the change's while a name is under review or after one stopped, which beside the name in effect
// read as that name's (a live number's approved name shown DECLINED after a rejected change).
import type { JourneyView } from './journey.js';
import { visibleControls } from './operator-input.js';

/** Stages in which the number has gone live: its current name is the approved one in effect. */
const liveStages: readonly string[] = ['LIVE', 'REMOVING', 'REMOVED'];
const approved = ['APPROVED', 'AVAILABLE_WITHOUT_REVIEW'];

export function displayNameWords({ displayName, stage }: Pick<JourneyView, 'displayName' | 'stage'>): string {
  // A name Meta holds (an adopted number's, one a customer's app set) passed no rule of numberflow's: its controls
  // and direction overrides are written out, so that the name read is the name held.
  const current = visibleControls(displayName.current, false);
  const pending = displayName.pending && visibleControls(displayName.pending, false);
  const { status } = displayName;
  const live = liveStages.includes(stage);
  if (pending)
    return live ? `"${current}" APPROVED; "${pending}" ${status}` : `"${pending}" ${status} (replacing "${current}")`;
  if (live && !approved.includes(status)) return `"${current}" APPROVED (the last change: ${status})`;
  return `"${current}" ${status}`;
}
