// Reading one order's workflow for the ops commands (show, replay).
import { WorkflowNotFoundError, type Client, type WorkflowExecutionDescription } from '@temporalio/client';
import { statusQuery, type FulfillmentStatus } from '../shared/contract';
import { Refused } from './command';

export async function describeWorkflow(
  client: Client,
  workflowId: string,
): Promise<WorkflowExecutionDescription> {
  try {
    return await client.workflow.getHandle(workflowId).describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new Refused(`no workflow ${workflowId}`);
    throw err;
  }
}

/** The workflow's own status, or undefined when no worker answers (or the run failed early). */
export async function queryStatus(
  client: Client,
  workflowId: string,
): Promise<FulfillmentStatus | undefined> {
  try {
    return await client.workflow.getHandle(workflowId).query(statusQuery);
  } catch {
    return undefined;
  }
}
