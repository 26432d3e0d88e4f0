export interface paths {
    "/api/v1/comfy/health": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Health of each ComfyUI container
         * @description One entry per ComfyUI container of the deployment with its state (`idle`, `running`,
         *     `stopped`, ...; an open set). Cheap: suitable as a readiness probe.
         */
        get: operations["check_health"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/comfy/queue": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * ComfyUI queue of each container
         * @description The running and pending prompts of each container, as ComfyUI's own `/queue` reports
         *     them. Runs of this API appear here once a container has picked them up.
         */
        get: operations["get_queue"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/comfy/workflows": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Workflows deployed on the cluster
         * @description Every workflow the deployment can run, with the names and kinds of its inputs and
         *     outputs: the field names to send to `execute_workflow` and the output names to ask
         *     `get_output` for.
         */
        get: operations["get_workflows"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/runs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List runs, newest first by default
         * @description One page of the team's runs, optionally only those of one `group_id`. `meta` says how
         *     many runs and pages there are; older servers send `group_id` and `count` in `data`
         *     instead.
         */
        get: operations["get_runs"];
        put?: never;
        /**
         * Start a run of a workflow
         * @description The workflow's inputs travel as form fields named after the workflow's input nodes
         *     (e.g. `text_51536`, `image_35728`). Text and numbers are plain fields, files are file
         *     parts. Both multipart/form-data and application/x-www-form-urlencoded are accepted; the
         *     latter cannot carry files. `workflow_id` and `group_id` are query parameters, not fields.
         *     The reply comes as soon as the run is queued.
         */
        post: operations["execute_workflow"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/runs/output": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * One output of a run, by file name
         * @description `filename` is an output name as listed in a run's `output_names`, with or without its
         *     extension. 204 means the output is not ready yet: ask again later.
         */
        get: operations["get_output"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/runs/{run_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * One run
         * @description A run's status, inputs, outputs (with their URLs once produced), timestamps and, when
         *     it failed, why. Poll it, or follow `stream_run_events`, to learn when a run ends.
         */
        get: operations["get_run"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/runs/{run_id}/cancel": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Cancel a run in any state
         * @description Cancelling a run that already ended is not an error and changes nothing.
         */
        post: operations["cancel_run"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/runs/{run_id}/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The run's events as a server-sent event stream
         * @description The JS SDK 2.x documents this stream but not its wire format; this is the format this
         *     project defines, compatible with that description (events carry an id and data;
         *     `from_seq` replays from a sequence number).
         *
         *     Framing (text/event-stream):
         *     - `id:` the event's sequence number: integers from 1, strictly increasing per run.
         *     - `event:` the event type, equal to `data.type`.
         *     - `data:` one line of JSON, an object carrying at least `seq`, `run_id`, `type` and
         *       `timestamp`; the other fields per type are the `RunEvent*` schemas in components.
         *     - `retry:` may be sent once, the reconnection delay the server suggests (ms).
         *     - Comment lines (`: keep-alive`) may arrive at any time and carry nothing.
         *
         *     Event types: `status` (run status changes: queued, running, completed, failed,
         *     cancelled; open set), `progress` (node progress: node_id, value, max), `output` (an
         *     output is ready, with the same fields as the output endpoint), `log` (a log line), and
         *     `end`, the final event: the server closes the stream after it. Clients must pass
         *     through event types they do not know.
         *
         *     Replay: the stream starts with every stored event from `from_seq` (inclusive; 0 and 1
         *     both mean "from the start", the default), then follows live events. A `Last-Event-ID: N`
         *     header resumes after N (from N+1) and takes precedence over `from_seq`. Asking for more
         *     than the run has, after it ended, gets an empty stream that closes at once.
         */
        get: operations["stream_run_events"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /** @description An error message, a list of them, or null. */
        Errors: string | string[] | null;
        /** @description Free-form information about a reply (e.g. paging); its keys vary by operation. */
        Meta: Record<string, never>;
        ErrorEnvelope: {
            /** @description "error" in practice; open string. */
            status: string;
            errors?: components["schemas"]["Errors"];
            data?: unknown;
        };
        ValidationErrorItem: {
            /** @description Where the problem is, e.g. `[query, page]` or `[body, text_51536]`. */
            loc: (string | number)[];
            /** @description What is wrong, for people. */
            msg: string;
            /** @description The kind of problem, e.g. `missing`; open string. */
            type: string;
            /** @description The value that was rejected (null when it was missing). */
            input?: unknown;
        };
        HTTPValidationError: {
            detail: components["schemas"]["ValidationErrorItem"][];
        };
        ContainerHealth: {
            container?: string;
            url?: string;
            /** @description idle, running, stopped, ...; open string. */
            status: string;
        };
        HealthResponse: {
            status: string;
            data: components["schemas"]["ContainerHealth"][];
            errors?: components["schemas"]["Errors"];
            meta?: components["schemas"]["Meta"] | null;
        };
        /**
         * @description ComfyUI's own /queue payload. Entries are arrays whose first two items are the queue
         *     number and the prompt id (native ComfyUI sends five items).
         */
        ComfyQueue: {
            queue_running?: unknown[][];
            queue_pending?: unknown[][];
        };
        ContainerQueue: {
            container?: string;
            comfy_uri?: string;
            queue: components["schemas"]["ComfyQueue"];
        };
        QueueResponse: {
            status: string;
            data: components["schemas"]["ContainerQueue"][];
            errors?: components["schemas"]["Errors"];
            meta?: components["schemas"]["Meta"] | null;
        };
        Workflow: {
            id: string;
            name: string;
            description?: string | null;
            /** @description JSON object encoded as a string: field name -> kind, e.g. {"prompt": "string"}. */
            inputs?: string;
            /** @description JSON object encoded as a string: output name -> kind, e.g. {"image": "image"}. */
            outputs?: string;
        };
        WorkflowsResponse: {
            status: string;
            data: components["schemas"]["Workflow"][];
            errors?: components["schemas"]["Errors"];
        };
        /**
         * @description The workflow's input fields: a text value (numbers and booleans as text) is a plain
         *     field, a file is a file part with a file name and a content type.
         */
        WorkflowInputsMultipart: {
            [key: string]: Blob | string;
        };
        /** @description The workflow's text inputs, urlencoded. Cannot carry files. */
        WorkflowInputsForm: {
            [key: string]: string;
        };
        RunCreated: {
            run_id: string;
            workflow_id?: string;
            /** @description Older server generation only. */
            output_names?: string[];
            /** @description Older server generation only (ComfyUI's queue number). */
            number?: number;
            /** @description Older server generation only (ComfyUI's node_errors). */
            node_errors?: Record<string, never>;
        };
        ExecuteResponse: {
            status: string;
            data: components["schemas"]["RunCreated"];
            errors?: components["schemas"]["Errors"];
            meta?: components["schemas"]["Meta"] | null;
        };
        RunInput: {
            /** @description The input field name. */
            path: string;
            value?: string | null;
            s3_key?: string | null;
            url?: string | null;
        };
        RunOutput: {
            filename: string;
            s3_key?: string | null;
            url?: string | null;
        };
        /** @description Why a run failed. Sent by the local Flowscale server; optional everywhere. */
        RunError: {
            message: string;
            node_id?: string | null;
            node_type?: string | null;
            exception_type?: string | null;
        };
        Run: {
            /** @description The run id. */
            _id: string;
            team_id?: string;
            workflow_id?: string;
            group_id?: string | null;
            /** @description queued, running, completed, failed, cancelled, ...; open string. */
            status: string;
            inputs?: components["schemas"]["RunInput"][];
            /** @description Names of the outputs the run will produce; may fill in while it runs. */
            output_names?: string[];
            outputs?: components["schemas"]["RunOutput"][];
            created_at?: string | null;
            started_at?: string | null;
            completed_at?: string | null;
            error?: components["schemas"]["RunError"] | null;
        };
        RunResponse: {
            status: string;
            data: components["schemas"]["Run"];
            errors?: components["schemas"]["Errors"];
            meta?: components["schemas"]["Meta"] | null;
        };
        RunList: {
            runs: components["schemas"]["Run"][];
            /** @description Older server generation only. */
            group_id?: string | null;
            /** @description Older server generation only. */
            count?: number;
        };
        RunListMeta: {
            sort_by?: string;
            sort_order?: string;
            page?: number;
            page_size?: number;
            group_id?: string | null;
            total_count?: number;
            total_pages?: number;
        };
        RunListResponse: {
            status: string;
            data: components["schemas"]["RunList"];
            meta?: components["schemas"]["RunListMeta"] | null;
            errors?: components["schemas"]["Errors"];
        };
        OutputData: {
            download_url?: string | null;
            file_content?: string | null;
            /** @description success, in_progress, failed, ...; open string. */
            generation_status?: string;
            filename?: string;
            content_type?: string | null;
            /** @description Size of the file behind download_url in bytes, when known. */
            size?: number | null;
        };
        OutputResponse: {
            /** @description "success"; older servers may say "in_progress", "error" or "failed". */
            status: string;
            data: components["schemas"]["OutputData"];
            errors?: components["schemas"]["Errors"];
            meta?: components["schemas"]["Meta"] | null;
        };
        CancelResponse: {
            status: string;
            data: string;
            errors?: components["schemas"]["Errors"];
        };
        /**
         * @description The `data` of one frame of the event stream: one of the event types below, told apart
         *     by `type`. Servers may add types: a client must pass through a `type` it does not know
         *     (`RunEvent` has the fields every event carries). The `string` branch is what a client
         *     that reads the whole body without splitting it into frames gets: the stream's text.
         */
        RunEventData: components["schemas"]["RunEventStatus"] | components["schemas"]["RunEventProgress"] | components["schemas"]["RunEventOutput"] | components["schemas"]["RunEventLog"] | components["schemas"]["RunEventEnd"] | string;
        /** @description Fields every event's data carries, besides `type`. */
        RunEventCommon: {
            /** @description Equal to the frame's id. */
            seq: number;
            run_id: string;
            /** Format: date-time */
            timestamp: string;
        };
        /**
         * @description Any event, including types this spec does not know yet; every event type below is a
         *     RunEvent with a fixed `type`. (A one-value `enum`, not `const`: openapi-python-client
         *     cannot merge a `const` into the inherited open `type` string.)
         */
        RunEvent: components["schemas"]["RunEventCommon"] & {
            /** @description Equal to the frame's event name; open set. */
            type: string;
        };
        RunEventStatus: components["schemas"]["RunEvent"] & {
            /**
             * @description Always `status`.
             * @enum {string}
             */
            type: "status";
            /** @description queued, running, completed, failed, cancelled, ... */
            status: string;
            /** @description 0-based position among waiting runs while queued. */
            queue_position?: number | null;
            error?: components["schemas"]["RunError"] | null;
        };
        RunEventProgress: components["schemas"]["RunEvent"] & {
            /**
             * @description Always `progress`.
             * @enum {string}
             */
            type: "progress";
            node_id: string;
            node_type?: string | null;
            value: number;
            max: number;
        };
        RunEventOutput: components["schemas"]["RunEvent"] & components["schemas"]["OutputData"] & {
            /**
             * @description Always `output`.
             * @enum {string}
             */
            type: "output";
            /** @description The output's file name. */
            filename: string;
        };
        RunEventLog: components["schemas"]["RunEvent"] & {
            /**
             * @description Always `log`.
             * @enum {string}
             */
            type: "log";
            /** @description debug, info, warning, error */
            level?: string;
            message: string;
            node_id?: string | null;
        };
        /** @description The final event; the server closes the stream after it. */
        RunEventEnd: components["schemas"]["RunEvent"] & {
            /**
             * @description Always `end`.
             * @enum {string}
             */
            type: "end";
            /** @description The run's final status. */
            status: string;
        };
    };
    responses: {
        /** @description The X-API-KEY header is missing. */
        Unauthorized: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["ErrorEnvelope"];
            };
        };
        /** @description The API key is wrong. */
        Forbidden: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["ErrorEnvelope"];
            };
        };
        /** @description No such run, workflow or output. */
        NotFound: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["ErrorEnvelope"];
            };
        };
        /** @description A parameter or form field is missing, unknown or of the wrong kind. */
        ValidationFailed: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["HTTPValidationError"];
            };
        };
        /** @description Too many requests. The request was not processed. */
        RateLimited: {
            headers: {
                "Retry-After": components["headers"]["Retry-After"];
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["ErrorEnvelope"];
            };
        };
        /** @description The service cannot take the request now. The request was not processed. */
        Unavailable: {
            headers: {
                "Retry-After": components["headers"]["Retry-After"];
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["ErrorEnvelope"];
            };
        };
    };
    parameters: {
        /** @description The run id, as returned by `execute_workflow`. */
        RunId: string;
    };
    requestBodies: never;
    headers: {
        /** @description Seconds to wait, or an HTTP-date, before trying again. */
        "Retry-After": string;
    };
    pathItems: never;
}
export type Errors = components['schemas']['Errors'];
export type Meta = components['schemas']['Meta'];
export type ErrorEnvelope = components['schemas']['ErrorEnvelope'];
export type ValidationErrorItem = components['schemas']['ValidationErrorItem'];
export type HttpValidationError = components['schemas']['HTTPValidationError'];
export type ContainerHealth = components['schemas']['ContainerHealth'];
export type HealthResponse = components['schemas']['HealthResponse'];
export type ComfyQueue = components['schemas']['ComfyQueue'];
export type ContainerQueue = components['schemas']['ContainerQueue'];
export type QueueResponse = components['schemas']['QueueResponse'];
export type Workflow = components['schemas']['Workflow'];
export type WorkflowsResponse = components['schemas']['WorkflowsResponse'];
export type WorkflowInputsMultipart = components['schemas']['WorkflowInputsMultipart'];
export type WorkflowInputsForm = components['schemas']['WorkflowInputsForm'];
export type RunCreated = components['schemas']['RunCreated'];
export type ExecuteResponse = components['schemas']['ExecuteResponse'];
export type RunInput = components['schemas']['RunInput'];
export type RunOutput = components['schemas']['RunOutput'];
export type RunError = components['schemas']['RunError'];
export type Run = components['schemas']['Run'];
export type RunResponse = components['schemas']['RunResponse'];
export type RunList = components['schemas']['RunList'];
export type RunListMeta = components['schemas']['RunListMeta'];
export type RunListResponse = components['schemas']['RunListResponse'];
export type OutputData = components['schemas']['OutputData'];
export type OutputResponse = components['schemas']['OutputResponse'];
export type CancelResponse = components['schemas']['CancelResponse'];
export type RunEventData = components['schemas']['RunEventData'];
export type RunEventCommon = components['schemas']['RunEventCommon'];
export type RunEvent = components['schemas']['RunEvent'];
export type RunEventStatus = components['schemas']['RunEventStatus'];
export type RunEventProgress = components['schemas']['RunEventProgress'];
export type RunEventOutput = components['schemas']['RunEventOutput'];
export type RunEventLog = components['schemas']['RunEventLog'];
export type RunEventEnd = components['schemas']['RunEventEnd'];
export type ResponseUnauthorized = components['responses']['Unauthorized'];
export type ResponseForbidden = components['responses']['Forbidden'];
export type ResponseNotFound = components['responses']['NotFound'];
export type ResponseValidationFailed = components['responses']['ValidationFailed'];
export type ResponseRateLimited = components['responses']['RateLimited'];
export type ResponseUnavailable = components['responses']['Unavailable'];
export type ParameterRunId = components['parameters']['RunId'];
export type HeaderRetryAfter = components['headers']['Retry-After'];
export type $defs = Record<string, never>;
export interface operations {
    check_health: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One entry per container. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HealthResponse"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            429: components["responses"]["RateLimited"];
        };
    };
    get_queue: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One entry per container with ComfyUI's own queue payload. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["QueueResponse"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            429: components["responses"]["RateLimited"];
        };
    };
    get_workflows: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /**
             * @description Deployed workflows. `inputs` and `outputs` are JSON documents encoded as strings,
             *     mapping each field name to its kind (`string`, `number`, `image`, `video`, ...).
             */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WorkflowsResponse"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            429: components["responses"]["RateLimited"];
        };
    };
    get_runs: {
        parameters: {
            query?: {
                /** @description Only runs started with this `group_id`; all runs of the team without it. */
                group_id?: string;
                /** @description The timestamp to order runs by. */
                sort_by?: "created_at" | "started_at" | "completed_at";
                /** @description `desc`: newest first; `asc`: oldest first. */
                sort_order?: "asc" | "desc";
                /** @description The page to return, from 1. */
                page?: number;
                /** @description Runs per page. */
                page_size?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One page of runs. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RunListResponse"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
        };
    };
    execute_workflow: {
        parameters: {
            query: {
                /** @description The id of the deployed workflow to run (see `get_workflows`). */
                workflow_id: string;
                /** @description Free-form label grouping runs, e.g. a batch or a user. */
                group_id?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "multipart/form-data": components["schemas"]["WorkflowInputsMultipart"];
                "application/x-www-form-urlencoded": components["schemas"]["WorkflowInputsForm"];
            };
        };
        responses: {
            /** @description The run was created and queued. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ExecuteResponse"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            503: components["responses"]["Unavailable"];
        };
    };
    get_output: {
        parameters: {
            query: {
                /** @description An output name from the run's `output_names`, with or without extension. */
                filename: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /**
             * @description The output: `download_url` (a pre-signed URL on a storage host, which must not be sent
             *     the API key) for files, or `file_content` for text outputs.
             */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OutputResponse"];
                };
            };
            /** @description Not ready yet. */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            /** @description The run timed out; this output will never be produced. */
            408: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
        };
    };
    get_run: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The run id, as returned by `execute_workflow`. */
                run_id: components["parameters"]["RunId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The run. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RunResponse"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
        };
    };
    cancel_run: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The run id, as returned by `execute_workflow`. */
                run_id: components["parameters"]["RunId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The run is cancelled (or had already ended). */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CancelResponse"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["RateLimited"];
        };
    };
    stream_run_events: {
        parameters: {
            query?: {
                /** @description Replay stored events from this sequence number (inclusive). */
                from_seq?: number;
            };
            header?: {
                /**
                 * @description The id of the last event received, on reconnection: the stream resumes after it.
                 *     Takes precedence over `from_seq`.
                 */
                "Last-Event-ID"?: string;
            };
            path: {
                /** @description The run id, as returned by `execute_workflow`. */
                run_id: components["parameters"]["RunId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /**
             * @description The event stream. The schema describes the `data` of one frame (OpenAPI 3.1 cannot
             *     attach a schema to each item of a stream): see `RunEventData`.
             */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/event-stream": components["schemas"]["RunEventData"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
        };
    };
}
