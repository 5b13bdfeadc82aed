// What an order's workflow heard, read from its history: the event it was started with
// (FulfillOrderInput.opening), then every signal, in order, decoded. The API asks it before
// taking a payment (gateway.orderFacts); tests ask it what reached the workflow.
import type { LoadedDataConverter } from '@temporalio/common';
import type { History } from '@temporalio/common/lib/proto-utils';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow';
import { orderDetailsSignal, paymentReceivedSignal, type FulfillOrderInput } from '../shared/contract';

export interface Heard {
  /** The signal's name; the opening event counts as the signal it stands for. */
  name: string;
  arg: unknown;
  /** True for the event the run was started with. */
  opening: boolean;
}

export async function heardBy(history: History, converter: LoadedDataConverter): Promise<Heard[]> {
  const heard: Heard[] = [];
  for (const event of history.events ?? []) {
    const started = event.workflowExecutionStartedEventAttributes;
    if (started) {
      const input = await decodeFromPayloadsAtIndex<FulfillOrderInput | undefined>(
        converter,
        0,
        started.input?.payloads,
      );
      const opening = input?.carried ? undefined : input?.opening;
      if (opening && 'orderDetails' in opening)
        heard.push({ name: orderDetailsSignal.name, arg: opening.orderDetails, opening: true });
      if (opening && 'payment' in opening)
        heard.push({ name: paymentReceivedSignal.name, arg: opening.payment, opening: true });
      continue;
    }
    const signalled = event.workflowExecutionSignaledEventAttributes;
    if (!signalled?.signalName) continue;
    heard.push({
      name: signalled.signalName,
      arg: await decodeFromPayloadsAtIndex(converter, 0, signalled.input?.payloads),
      opening: false,
    });
  }
  return heard;
}
