<?php
/**
 * After each WHMCS cron run: WHMCS's Module Queue holds every kaziwhmcs command that
 * answered "still running" or failed. For each item, ask the bridge for the outcome of
 * its latest operation of that command for that service, then
 *  - succeeded: run the command again through WHMCS (localAPI Module*), which the bridge
 *    answers at once (already in effect), so WHMCS does its own follow-up (status, queue);
 *    a late CreateAccount also gets its welcome email, once;
 *  - failed: tell WHMCS once per operation (activity log, optionally a ticket); the item
 *    stays for the admin;
 *  - still running: nothing yet.
 * Only localAPI, logActivity and WHMCS\Module\Queue: no database access of its own.
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
const OUTCOME_TIMEOUT = 10;

/**
 * The outcome of the bridge's latest $command for the service, or null when the bridge
 * has none (WHMCS queued it before the bridge ever saw it).
 */
function queue_outcome(array $config, int $serviceId, string $command): ?array
{
    $path = "/webhooks/whmcs/services/$serviceId/outcome/?command=" . rawurlencode($command);
    list($status, $raw) = http_request($config, 'GET', $config['bridge_url'] . $path, null, OUTCOME_TIMEOUT);
    if ($status === 404) {
        return null;
    }
    return answer_json($status, $raw, "the outcome of $command for service $serviceId");
}

/**
 * Whether WHMCS's activity log already holds an entry containing $marker.
 */
function activity_logged(string $marker): bool
{
    $found = localAPI('GetActivityLog', ['description' => $marker, 'limitnum' => 1]);
    return is_array($found) && (int) ($found['totalresults'] ?? 0) > 0;
}

/**
 * [domain, client id] of a WHMCS service, as far as WHMCS's API tells.
 */
function service_details(int $serviceId): array
{
    $found = localAPI('GetClientsProducts', ['serviceid' => $serviceId]);
    $product = $found['products']['product'][0] ?? null;
    if (!is_array($product)) {
        return ["service $serviceId", null];
    }
    return [(string) ($product['domain'] ?? "service $serviceId"), id_value($product['clientid'] ?? null)];
}

/**
 * A failed operation, told once however often cron runs: the activity log entry is the
 * memory (WHMCS's own, read through its API).
 */
function queue_failure_tell(array $config, int $serviceId, string $command, array $outcome): bool
{
    $marker = "kaziwhmcs: operation #{$outcome['operation']} failed";
    if (activity_logged($marker)) {
        return false;
    }
    list($domain, $clientId) = service_details($serviceId);
    $text = mask_text(outcome_text($command, $outcome), secrets_of([], $config));
    logActivity("$marker: $command of $domain (service $serviceId): $text", (int) $clientId);
    if ($config['failure_ticket_department'] > 0 && $clientId !== null) {
        localAPI('OpenTicket', [
            'deptid' => $config['failure_ticket_department'],
            'clientid' => $clientId,
            'serviceid' => $serviceId,
            'subject' => "Hosting account $domain: $command failed",
            'message' => "The kaziwhmcs bridge could not carry out $command for $domain "
                . "(operation {$outcome['operation']}). The panel answered:\n\n$text\n\n"
                . "The command stays in WHMCS's Module Queue (Utilities > Module Queue) until it is retried or dismissed.",
            'priority' => 'High',
            'admin' => true,
        ]);
    }
    return true;
}

/**
 * The product's welcome email after a late create: WHMCS's ModuleCreate does not send it
 * (only an order's automatic setup does). Once per operation.
 */
function queue_welcome_send(array $config, int $serviceId, array $outcome): void
{
    if ($config['welcome_email'] === '') {
        return;
    }
    $marker = "kaziwhmcs: welcome email for operation #{$outcome['operation']}";
    if (activity_logged($marker)) {
        return;
    }
    $sent = localAPI('SendEmail', ['messagename' => $config['welcome_email'], 'id' => $serviceId]);
    if (($sent['result'] ?? '') === 'success') {
        logActivity("$marker sent (service $serviceId, template '{$config['welcome_email']}')");
    } else {
        logActivity("kaziwhmcs: the welcome email of service $serviceId could not be sent: " . ($sent['message'] ?? 'unknown error'));
    }
}

/**
 * Run the bridge's success through WHMCS; returns WHMCS's error text, or '' when done.
 */
function queue_item_complete(array $config, int $serviceId, string $command, array $outcome): string
{
    $done = localAPI(QUEUE_API_ACTIONS[$command], ['serviceid' => $serviceId]);
    if (($done['result'] ?? '') !== 'success') {
        return (string) ($done['message'] ?? 'unknown error');
    }
    // Resolved by WHMCS itself after a success; resolving again does no harm.
    if (class_exists('\\WHMCS\\Module\\Queue')) {
        \WHMCS\Module\Queue::resolve('service', $serviceId, MODULE_NAME, $command);
    }
    if ($command === 'CreateAccount') {
        queue_welcome_send($config, $serviceId, $outcome);
    }
    return '';
}

/**
 * The AfterCronJob hook; returns what it did, by outcome (also written to the module log).
 */
function queue_complete(): array
{
    $done = ['completed' => 0, 'failures_told' => 0, 'running' => 0, 'unknown' => 0, 'errors' => []];
    try {
        $config = config_load();
    } catch (ConfigError $error) {
        log_call('AfterCronJob', [], '', $error->getMessage(), []);
        return $done + ['skipped' => $error->getMessage()];
    }
    if (!$config['cron_hook']) {
        return $done + ['skipped' => 'cron_hook is off'];
    }
    $queue = localAPI('GetModuleQueue', ['moduleName' => MODULE_NAME, 'serviceType' => 'service']);
    foreach ((array) ($queue['queue'] ?? []) as $item) {
        $item = (array) $item;
        $command = (string) ($item['module_action'] ?? '');
        $serviceId = id_value($item['service_id'] ?? null);
        if (!isset(QUEUE_API_ACTIONS[$command]) || $serviceId === null || !empty($item['completed'])) {
            continue;
        }
        try {
            $outcome = queue_outcome($config, $serviceId, $command);
        } catch (BridgeError $error) {
            // The bridge is down or refuses: the next cron run asks again.
            $done['errors'][] = $error->getMessage();
            break;
        }
        if ($outcome === null) {
            $done['unknown']++;
        } elseif ($outcome['state'] === 'succeeded') {
            $error = queue_item_complete($config, $serviceId, $command, $outcome);
            if ($error === '') {
                $done['completed']++;
            } else {
                $done['errors'][] = "$command of service $serviceId: $error";
            }
        } elseif ($outcome['state'] === 'failed') {
            $done['failures_told'] += queue_failure_tell($config, $serviceId, $command, $outcome) ? 1 : 0;
        } else {
            $done['running']++;
        }
    }
    log_call('AfterCronJob', ['queue items' => count((array) ($queue['queue'] ?? []))], '', $done, secrets_of([], $config));
    return $done;
}
