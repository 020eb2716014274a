import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { JobRepository } from '../adapters/job-repository.js';
import { jobReaders, jobView } from '../domain/fan-out-job.js';
import { callerOf } from '../http/caller.js';
import { errorResponse, type HttpResult, json } from '../http/responses.js';
import { jobExecutionFailed } from '../jobs/lifecycle.js';

type Route = (event: APIGatewayProxyEventV2) => Promise<HttpResult>;

/** A job's progress, for whoever may read what started it (a schedule's job is marketing's). */
export const jobRoutes = (jobs: JobRepository): Record<string, Route> => ({
  'GET /v1/jobs/{id}': async (event) => {
    const jobId = event.pathParameters?.id ?? '';
    const job = await jobs.get(jobId);
    if (!job) return errorResponse(404, 'not_found', `No job ${jobId}`);
    const readers = jobReaders[job.kind];
    if (!callerOf(event)?.roles.some((role) => readers.includes(role))) {
      return errorResponse(403, 'forbidden', `A ${job.kind} job is for ${readers.join(', ')}`, [
        { path: 'Authorization', message: `needs one of the groups ${readers.join(', ')}` },
      ]);
    }
    return json(200, jobView(job, job.status === 'running' && (await jobExecutionFailed(jobId))));
  },
});
