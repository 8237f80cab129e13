// Temporal's OpenTelemetry workflow interceptors, but no span around an update's handler. The SDK's handler span
// awaits once more before the handler answers, so an update answered in the same task as another command (the
// removal's answer before the REMOVING stage) would be answered after it: a run recorded without tracing would no
// longer replay once tracing is switched on (the tracing replay test shows it). Validators, signals, the workflow
// and its outbound calls keep their spans.
import {
  OpenTelemetryInboundInterceptor,
  OpenTelemetryInternalsInterceptor,
  OpenTelemetryOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry/lib/workflow/index.js';
import type { WorkflowInboundCallsInterceptor, WorkflowInterceptorsFactory } from '@temporalio/workflow';

export const interceptors: WorkflowInterceptorsFactory = () => {
  const traced = new OpenTelemetryInboundInterceptor();
  const inbound: WorkflowInboundCallsInterceptor = {
    execute: (input, next) => traced.execute(input, next),
    handleSignal: (input, next) => traced.handleSignal(input, next),
    validateUpdate: (input, next) => traced.validateUpdate(input, next),
    handleQuery: (input, next) => traced.handleQuery(input, next),
  };
  return {
    inbound: [inbound],
    outbound: [new OpenTelemetryOutboundInterceptor()],
    internals: [new OpenTelemetryInternalsInterceptor()],
  };
};
