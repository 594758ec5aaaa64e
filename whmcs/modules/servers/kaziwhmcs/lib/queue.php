<?php
/**
 * After each WHMCS cron run: WHMCS's Module Queue holds every kaziwhmcs command that
 * answered "still running" or failed (WHMCS never retries it by itself). The hook asks the
 * bridge about all of them in a few requests, then for each item
 *  - superseded (a later command of the service was accepted since, e.g. an unsuspension
 *    after a payment): resolved in WHMCS with one activity-log line, never replayed;
 *  - succeeded: replayed once through WHMCS (localAPI Module*, with the suspension's
 *    reason the bridge kept), which the bridge answers at once (already in effect), so that
 *    WHMCS does its own follow-up (status, welcome email, queue); a replay that fails is
 *    left for an admin, with one line saying so;
 *  - failed: told once, to staff only (activity log, an admin notification);
 *  - still running, or unknown to the bridge: nothing yet.
 * What was told and replayed is remembered by the bridge (signed requests), so each
 * happens once per operation whatever the number of cron runs.
 */

namespace KaziWhmcs;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

const MODULE_NAME = 'kaziwhmcs';
// What WHMCS's API runs for each command of the Module Queue.
const QUEUE_API_ACTIONS = [
    'CreateAccount' => 'ModuleCreate',
    'SuspendAccount' => 'ModuleSuspend',
    'UnsuspendAccount' => 'ModuleUnsuspend',
    'TerminateAccount' => 'ModuleTerminate',
    'ChangePassword' => 'ModuleChangePw',
];
const OUTCOME_TIMEOUT = 20;
// The bridge takes signed bodies of 4 KiB and 1,000 items at most: asked in chunks below.
const QUEUE_BODY_BYTES = 3800;
const QUEUE_CHUNK_ITEMS = 1000;

/**
 * A field of a queue item as WHMCS gives it: a WHMCS\Module\Queue model (Eloquent: its
 * attributes are read through the model, never by casting it) or an array (the external
 * API's JSON), under its column name or the documented camelCase one.
 */
function queue_field($item, string $column, string $camel)
{
    if (is_object($item)) {
        return $item->$column ?? $item->$camel ?? null;
    }
    if (is_array($item)) {
        return $item[$column] ?? $item[$camel] ?? null;
    }
    return null;
}

/**
 * [[service id, command], ...]: the open kaziwhmcs service items of GetModuleQueue's
 * `queue` (a collection of models, or a plain array), each (service, command) once.
 */
function queue_items($queue, ?int $onlyService = null): array
{
    $items = [];
    if (!is_iterable($queue)) {
        return [];
    }
    foreach ($queue as $item) {
        $command = (string) queue_field($item, 'module_action', 'moduleAction');
        $serviceId = id_value(queue_field($item, 'service_id', 'serviceId'));
        $module = queue_field($item, 'module_name', 'moduleName');
        $type = queue_field($item, 'service_type', 'serviceType');
        if (!isset(QUEUE_API_ACTIONS[$command]) || $serviceId === null
            || !empty(queue_field($item, 'completed', 'completed'))
            || ($module !== null && $module !== MODULE_NAME) || ($type !== null && $type !== 'service')
            || ($onlyService !== null && $serviceId !== $onlyService)) {
            continue;
        }
        $items["$command $serviceId"] = [$serviceId, $command];
    }
    return array_values($items);
}

/**
 * Grouped lists ({key: [value, ...]}) cut into bodies the bridge takes.
 */
function body_chunks(array $grouped): array
{
    $chunks = [];
    $chunk = [];
    $bytes = 0;
    $count = 0;
    foreach ($grouped as $key => $values) {
        foreach ($values as $value) {
            $cost = strlen((string) json_encode($value)) + 1 + (isset($chunk[$key]) ? 0 : strlen((string) $key) + 8);
            if ($chunk !== [] && ($bytes + $cost > QUEUE_BODY_BYTES || $count >= QUEUE_CHUNK_ITEMS)) {
                $chunks[] = $chunk;
                list($chunk, $bytes, $count) = [[], 0, 0];
                $cost = strlen((string) json_encode($value)) + 1 + strlen((string) $key) + 8;
            }
            $chunk[$key][] = $value;
            $bytes += $cost;
            $count++;
        }
    }
    if ($chunk !== []) {
        $chunks[] = $chunk;
    }
    return $chunks;
}

/**
 * The bridge's outcomes of the items, by "<command> <service id>" (unknown ones absent).
 */
function queue_outcomes(array $config, array $items): array
{
    $grouped = [];
    foreach ($items as list($serviceId, $command)) {
        $grouped[$command][] = $serviceId;
    }
    $outcomes = [];
    foreach (body_chunks($grouped) as $chunk) {
        $answer = bridge_read($config, 'POST', '/webhooks/whmcs/queue/outcomes/', ['items' => $chunk], 'the Module Queue outcomes', OUTCOME_TIMEOUT);
        foreach ((array) ($answer['outcomes'] ?? []) as $outcome) {
            if (is_array($outcome) && isset($outcome['command'], $outcome['serviceid'], $outcome['operation'], $outcome['state'])) {
                $outcomes["{$outcome['command']} {$outcome['serviceid']}"] = $outcome;
            }
        }
    }
    return $outcomes;
}

/**
 * Record at the bridge what was told or done in WHMCS ({kind: [operation, ...]}).
 */
function queue_told(array $config, array $told): void
{
    foreach (body_chunks(array_filter($told)) as $chunk) {
        bridge_read($config, 'POST', '/webhooks/whmcs/queue/told/', ['told' => $chunk], 'what the Module Queue hook told WHMCS', OUTCOME_TIMEOUT);
    }
}

function queue_subject(array $outcome): string
{
    $domain = (string) ($outcome['domain'] ?? '');
    return "{$outcome['command']} of " . ($domain !== '' ? $domain : 'a service') . " (service {$outcome['serviceid']})";
}

/**
 * One line in WHMCS's activity log (staff only), in the client's log when known.
 */
function queue_activity(string $text, array $outcome, array $config): void
{
    logActivity('kaziwhmcs: ' . mask_text($text, secrets_of([], $config)), (int) (id_value($outcome['userid'] ?? null) ?? 0));
}

/**
 * A failed operation, told to staff: the activity log and an admin notification. Nothing
 * reaches the customer (no ticket, no client email).
 */
function queue_failure_tell(array $config, array $outcome): void
{
    $subject = queue_subject($outcome);
    $text = mask_text(outcome_text($outcome['command'], $outcome), secrets_of([], $config));
    queue_activity("operation #{$outcome['operation']} failed: $subject: $text. The Module Queue item stays for an admin (Utilities > Module Queue)", $outcome, $config);
    if ($config['notify_admins']) {
        localAPI('SendAdminEmail', [
            'type' => 'system',
            'customsubject' => "kaziwhmcs: $subject failed",
            'custommessage' => '<p>' . html("The kaziwhmcs bridge could not carry out $subject (operation {$outcome['operation']}). The panel answered:") . '</p>'
                . '<p>' . html($text) . '</p><p>' . html("The command stays in WHMCS's Module Queue (Utilities > Module Queue) until it is retried or dismissed.") . '</p>',
        ]);
    }
}

/**
 * Replay the bridge's success through WHMCS; returns WHMCS's error text, or '' when done.
 */
function queue_replay(array $outcome): string
{
    $command = $outcome['command'];
    $values = ['serviceid' => (int) $outcome['serviceid']];
    if ($command === 'SuspendAccount' && isset($outcome['reason']) && is_string($outcome['reason']) && $outcome['reason'] !== '') {
        $values['suspendreason'] = $outcome['reason'];
    }
    $done = localAPI(QUEUE_API_ACTIONS[$command], $values);
    if (($done['result'] ?? '') !== 'success') {
        return (string) ($done['message'] ?? 'unknown error');
    }
    // WHMCS resolves the item after a success itself; resolving again does no harm.
    \WHMCS\Module\Queue::resolve('service', (int) $outcome['serviceid'], MODULE_NAME, $command);
    return '';
}

/**
 * The hook (and the service page's button, for one service); returns what it did, by
 * outcome (also one line in the module log).
 */
function queue_complete(?int $onlyService = null): array
{
    $done = ['completed' => 0, 'superseded' => 0, 'failures_told' => 0, 'replays_failed' => 0, 'left_for_admin' => 0, 'running' => 0, 'unknown' => 0, 'failed' => [], 'errors' => []];
    try {
        $config = config_load();
    } catch (ConfigError $error) {
        log_call('AfterCronJob', [], '', $error->getMessage(), []);
        return $done + ['skipped' => $error->getMessage()];
    }
    if (!$config['cron_hook'] && $onlyService === null) {
        return $done + ['skipped' => 'cron_hook is off'];
    }
    $filter = ['moduleName' => MODULE_NAME, 'serviceType' => 'service'];
    if ($onlyService !== null) {
        $filter['relatedId'] = $onlyService;
    }
    $queue = localAPI('GetModuleQueue', $filter);
    $items = queue_items($queue['queue'] ?? [], $onlyService);
    try {
        $outcomes = $items === [] ? [] : queue_outcomes($config, $items);
    } catch (BridgeError $error) {
        // The bridge is down or refuses: the next cron run asks again.
        $done['errors'][] = $error->getMessage();
        $outcomes = [];
        $items = [];
    }
    $told = ['failure' => [], 'superseded' => [], 'replay' => []];
    $replays = [];
    foreach ($items as list($serviceId, $command)) {
        $outcome = $outcomes["$command $serviceId"] ?? null;
        if ($outcome === null) {
            $done['unknown']++;
            continue;
        }
        $already = is_array($outcome['told'] ?? null) ? $outcome['told'] : [];
        if (!empty($outcome['superseded_by'])) {
            $later = $outcome['superseded_by'];
            \WHMCS\Module\Queue::resolve('service', $serviceId, MODULE_NAME, $command);
            if (!in_array('superseded', $already, true)) {
                queue_activity(queue_subject($outcome) . " not replayed: {$later['command']} (operation #{$later['operation']}) was accepted since; the Module Queue item is resolved", $outcome, $config);
                $told['superseded'][] = (string) $outcome['operation'];
            }
            $done['superseded']++;
        } elseif ($outcome['state'] === 'succeeded') {
            if (in_array('replay', $already, true)) {
                $done['left_for_admin']++;
            } else {
                $replays[] = $outcome;
                $told['replay'][] = (string) $outcome['operation'];
            }
        } elseif ($outcome['state'] === 'failed') {
            $done['failed'][] = queue_subject($outcome) . ': ' . outcome_text($command, $outcome);
            if (!in_array('failure', $already, true)) {
                queue_failure_tell($config, $outcome);
                $told['failure'][] = (string) $outcome['operation'];
                $done['failures_told']++;
            }
        } else {
            $done['running']++;
        }
    }
    try {
        // Recorded before the replays: a replay happens at most once per operation.
        queue_told($config, $told);
    } catch (BridgeError $error) {
        $done['errors'][] = $error->getMessage();
        $replays = [];
    }
    foreach ($replays as $outcome) {
        $error = queue_replay($outcome);
        if ($error === '') {
            queue_activity(queue_subject($outcome) . " completed from the Module Queue (operation #{$outcome['operation']} succeeded at the bridge)", $outcome, $config);
            $done['completed']++;
        } else {
            queue_activity('replaying ' . queue_subject($outcome) . " (operation #{$outcome['operation']}) failed: $error; the Module Queue item is left for an admin and not replayed again", $outcome, $config);
            $done['replays_failed']++;
            $done['errors'][] = queue_subject($outcome) . ": $error";
        }
    }
    log_call($onlyService === null ? 'AfterCronJob' : 'QueueComplete', ['queue items' => count($items)], '', $done, secrets_of([], $config));
    return $done;
}
