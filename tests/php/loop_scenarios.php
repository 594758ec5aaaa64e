<?php
/**
 * Scenarios of the loop with WHMCS closed (run by run_module_tests.php, whose helpers
 * they use): the cron hook over the Module Queue (a late create, a late suspend, a stale
 * suspend after a payment, a refused create, a replay that fails, a long queue) and the
 * fast return.
 */

use WHMCS\Module\Queue;

/**
 * Poll until $ready() holds (the worker's effect), at most 30 s.
 */
function wait_for(callable $ready, string $what): void
{
    $deadline = microtime(true) + 30;
    while (!$ready()) {
        if (microtime(true) > $deadline) {
            throw new RuntimeException("timed out waiting for $what");
        }
        usleep(100000);
    }
}

function bridge_outcome_state(int $serviceId, string $command): ?string
{
    $path = "/webhooks/whmcs/services/$serviceId/outcome/?command=$command";
    try {
        return \KaziWhmcs\bridge_read(\KaziWhmcs\config_load(), 'GET', $path, null, 'outcome')['state'] ?? null;
    } catch (\KaziWhmcs\BridgeError $error) {
        return null;
    }
}

function activity_containing(string $text): array
{
    return array_values(array_filter($GLOBALS['activity_log'], function ($entry) use ($text) {
        return strpos($entry['description'], $text) !== false;
    }));
}

function open_items(): int
{
    return count(Queue::incomplete()->get());
}

function module_api_calls(): array
{
    return array_values(array_filter(array_column($GLOBALS['api_calls'], 0), function ($command) {
        return strpos($command, 'Module') === 0 && $command !== 'GetModuleQueue';
    }));
}

/**
 * Mails WHMCS would send to anyone but staff.
 */
function client_mails(): array
{
    return array_values(array_filter($GLOBALS['mails'], function ($mail) {
        return $mail['to'] !== 'staff';
    }));
}

/**
 * The service on the bridge and on the panel, Active in WHMCS; then WHMCS waits
 * $waitSeconds for each command.
 */
function active_service_add(float $waitSeconds = 20): void
{
    config_write();
    whmcs_service_add(service_params(), 'Active');
    check_same('success', kaziwhmcs_CreateAccount(service_params()), 'the account is created');
    config_write(['wait_seconds' => $waitSeconds]);
}

function scenario_cron_late_create(): void
{
    global $report;
    // The panel holds the create answer for 3 s (armed by pytest); WHMCS waits only 1 s.
    config_write(['wait_seconds' => 1]);
    whmcs_service_add(service_params());
    $first = whmcs_module_command('CreateAccount', 42);
    check(strpos($first, 'still running') !== false, 'the order answers still running', $first);
    check(strpos($first, 'WHMCS is updated automatically within a cron run of the outcome') !== false, 'the text says what happens next', $first);
    check_same(1, open_items(), 'the create waits in the Module Queue');

    run_hook('AfterCronJob');
    check_same('Pending', $GLOBALS['whmcs_services'][42]['status'], 'a cron run while the bridge works changes nothing');
    check_same(1, open_items(), 'the item stays while the bridge works');

    wait_for(function () {
        return bridge_outcome_state(42, 'CreateAccount') === 'succeeded';
    }, 'the create at the bridge');
    run_hook('AfterCronJob');
    check_same(0, open_items(), 'the next cron run resolves the queue item');
    check_same('Active', $GLOBALS['whmcs_services'][42]['status'], 'the service is Active in WHMCS');
    check_same([['to' => 'ada@example.org', 'what' => 'Product Welcome Email', 'serviceid' => 42]], $GLOBALS['mails'], "WHMCS's own welcome email, and no other");
    check(!in_array('SendEmail', array_column($GLOBALS['api_calls'], 0), true), 'the hook sends no email of its own');
    check_same(1, count(activity_containing('completed from the Module Queue')), 'one activity line');

    run_hook('AfterCronJob');
    check_same(1, count($GLOBALS['mails']), 'a later cron run sends nothing');
    check_same(['ModuleCreate'], module_api_calls(), 'the create was replayed once');
    $report['activity'] = $GLOBALS['activity_log'];
}

function scenario_cron_late_suspend(): void
{
    global $report;
    active_service_add(1);
    // The panel holds the suspend answer for 3 s (armed by pytest).
    $first = whmcs_module_command('SuspendAccount', 42, ['suspendreason' => 'Abuse']);
    check(strpos($first, 'still running') !== false, 'the suspension answers still running', $first);
    wait_for(function () {
        return bridge_outcome_state(42, 'SuspendAccount') === 'succeeded';
    }, 'the suspension at the bridge');

    run_hook('AfterCronJob');
    check_same(0, open_items(), 'the cron run resolves the queue item');
    check_same(['Suspended', 'Abuse'], [$GLOBALS['whmcs_services'][42]['status'], $GLOBALS['whmcs_services'][42]['suspendreason']], "suspended in WHMCS with the admin's reason");
    check_same([['ModuleSuspend', ['serviceid' => 42, 'suspendreason' => 'Abuse']]], array_values(array_filter($GLOBALS['api_calls'], function ($call) {
        return $call[0] === 'ModuleSuspend';
    })), 'the replay passes the reason on');
    run_hook('AfterCronJob');
    check_same(1, count(activity_containing('SuspendAccount of whmcs-module.example.com (service 42) completed')), 'one activity line over two cron runs');
    $report['activity'] = $GLOBALS['activity_log'];
}

function scenario_cron_stale_suspend(): void
{
    global $report;
    active_service_add(1);
    $first = whmcs_module_command('SuspendAccount', 42, ['suspendreason' => 'Overdue on Activity']);
    check(strpos($first, 'still running') !== false, 'the suspension answers still running', $first);
    wait_for(function () {
        return bridge_outcome_state(42, 'SuspendAccount') === 'succeeded';
    }, 'the suspension at the bridge');
    // The client pays: WHMCS unsuspends. Its success leaves the SuspendAccount item open.
    config_write(['wait_seconds' => 20]);
    check_same('success', whmcs_module_command('UnsuspendAccount', 42), 'the unsuspension after the payment');
    check_same(1, open_items(), "another action's success does not resolve the suspension's item");

    run_hook('AfterCronJob');
    run_hook('AfterCronJob');
    check_same(0, open_items(), 'the stale suspension is resolved');
    check_same('Active', $GLOBALS['whmcs_services'][42]['status'], 'the client who paid stays Active');
    check(!in_array('ModuleSuspend', module_api_calls(), true), 'the suspension is never replayed');
    $told = activity_containing('SuspendAccount of whmcs-module.example.com (service 42) not replayed: UnsuspendAccount');
    check_same(1, count($told), 'one activity line saying why', $GLOBALS['activity_log']);
    $report['activity'] = $GLOBALS['activity_log'];
}

function scenario_cron_refused_create(): void
{
    global $report;
    config_write();
    whmcs_service_add(service_params(['configoption1' => 'NoSuchPlan']));
    $error = whmcs_module_command('CreateAccount', 42);
    check(strpos($error, "KaziWhmcs: The 'NoSuchPlan' hosting plan") === 0, "WHMCS gets the panel's refusal", $error);

    run_hook('AfterCronJob');
    run_hook('AfterCronJob');
    $told = activity_containing('failed: CreateAccount');
    check_same(1, count($told), 'the failure is told once over two cron runs');
    $text = $told[0]['description'] ?? '';
    check(strpos($text, 'whmcs-module.example.com') !== false && strpos($text, "hosting plan doesn't exists") !== false, 'with the domain and the panel text', $text);
    check_same(7, $told[0]['userid'] ?? null, "in the client's activity");
    $staff = array_values(array_filter($GLOBALS['mails'], function ($mail) {
        return $mail['to'] === 'staff';
    }));
    check_same(1, count($staff), 'one admin notification');
    check_same([], client_mails(), 'nothing is mailed to the client');
    check_same([], $GLOBALS['tickets'], 'no ticket');
    check_same(1, open_items(), 'the item stays for the admin');
    check_same('Pending', $GLOBALS['whmcs_services'][42]['status'], 'the service stays Pending');
    check_same([], module_api_calls(), 'a failure is not replayed');
    $report['activity'] = $GLOBALS['activity_log'];
}

function scenario_cron_replay_fails_once(): void
{
    global $report;
    config_write(['wait_seconds' => 1]);
    whmcs_service_add(service_params());
    whmcs_module_command('CreateAccount', 42);
    wait_for(function () {
        return bridge_outcome_state(42, 'CreateAccount') === 'succeeded';
    }, 'the create at the bridge');
    // Meanwhile an admin typed a domain the bridge refuses: the replay fails.
    $GLOBALS['whmcs_services'][42]['params']['domain'] = 'bad domain!';

    run_hook('AfterCronJob');
    run_hook('AfterCronJob');
    run_hook('AfterCronJob');
    check_same(['ModuleCreate'], module_api_calls(), 'the failing replay runs once');
    $told = activity_containing('failed: The kaziwhmcs bridge refused CreateAccount: domain');
    check_same(1, count($told), 'one line saying so', $GLOBALS['activity_log']);
    check(strpos($told[0]['description'] ?? '', 'left for an admin and not replayed again') !== false, 'the item is left for the admin', $told);
    check_same(1, open_items(), 'the item stays for the admin');
    $report['activity'] = $GLOBALS['activity_log'];
}

function scenario_cron_long_queue(): void
{
    global $report;
    active_service_add();
    // 1,000 items the bridge never saw (WHMCS queued them before it was installed) and one
    // it finished.
    for ($id = 1000; $id < 2000; $id++) {
        Queue::add('service', $id, 'kaziwhmcs', $id % 2 ? 'SuspendAccount' : 'TerminateAccount', 'still running');
    }
    Queue::add('service', 42, 'kaziwhmcs', 'CreateAccount', 'still running');
    $done = \KaziWhmcs\queue_complete();
    check_same([1000, 1, []], [$done['unknown'], $done['completed'], $done['errors']], 'every item is read', $done);
    $report['done'] = $done;
}

function scenario_cron_off(): void
{
    config_write(['cron_hook' => false]);
    Queue::add('service', 42, 'kaziwhmcs', 'CreateAccount', 'still running');
    run_hook('AfterCronJob');
    check_same([], $GLOBALS['api_calls'], 'with cron_hook off the hook asks WHMCS nothing');
    check_same(1, open_items(), 'and leaves the queue alone');
}

function scenario_fast_return(): void
{
    global $report;
    config_write(['wait_seconds' => 20]);
    check_same('success', kaziwhmcs_CreateAccount(service_params()), 'create');
    // pytest made the panel answer every suspend with HTTP 503.
    $started = microtime(true);
    $text = kaziwhmcs_SuspendAccount(service_params());
    $report['suspend_seconds'] = microtime(true) - $started;
    check(strpos($text, 'still running') !== false && strpos($text, 'state retrying') !== false, 'the suspension is retrying at the bridge', $text);
    $started = microtime(true);
    $again = kaziwhmcs_SuspendAccount(service_params());
    $report['again_seconds'] = microtime(true) - $started;
    check(strpos($again, 'state retrying') !== false, 'asked again, it answers the same operation', $again);
}
