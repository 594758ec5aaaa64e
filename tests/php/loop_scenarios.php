<?php
/**
 * Scenarios of the loop with WHMCS closed (run by run_module_tests.php, whose helpers
 * they use): the cron hook over the Module Queue, the fast return, the admin area's
 * tab, buttons and single sign-on, Server Sync's account list and the plan change.
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
    $outcome = \KaziWhmcs\queue_outcome(\KaziWhmcs\config_load(), $serviceId, $command);
    return $outcome['state'] ?? null;
}

function activity_containing(string $text): array
{
    return array_values(array_filter($GLOBALS['activity_log'], function ($entry) use ($text) {
        return strpos($entry['description'], $text) !== false;
    }));
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
    check_same(1, count(Queue::incomplete()), 'the create waits in the Module Queue');

    run_hook('AfterCronJob');
    check_same('Pending', $GLOBALS['whmcs_services'][42]['status'], 'a cron run while the bridge works changes nothing');
    check_same(1, count(Queue::incomplete()), 'the item stays while the bridge works');

    wait_for(function () {
        return bridge_outcome_state(42, 'CreateAccount') === 'succeeded';
    }, 'the create at the bridge');
    run_hook('AfterCronJob');
    check_same([], Queue::incomplete(), 'the next cron run resolves the queue item');
    check_same('Active', $GLOBALS['whmcs_services'][42]['status'], 'the service is Active in WHMCS');
    check_same([['messagename' => 'Hosting Account Welcome Email', 'id' => 42]], $GLOBALS['emails_sent'], 'the welcome email, once');

    run_hook('AfterCronJob');
    check_same(1, count($GLOBALS['emails_sent']), 'a later cron run sends no second welcome email');
    check_same(1, panel_requests('create'), 'the panel was asked to create the account once');
    $report['activity'] = $GLOBALS['activity_log'];
}

function scenario_cron_refused_create(): void
{
    global $report;
    config_write(['failure_ticket_department' => 5]);
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
    check_same(1, count($GLOBALS['tickets']), 'one ticket');
    check_same([5, 7, 42], [$GLOBALS['tickets'][0]['deptid'] ?? null, $GLOBALS['tickets'][0]['clientid'] ?? null, $GLOBALS['tickets'][0]['serviceid'] ?? null], 'in the configured department, for the client and service');
    check_same(1, count(Queue::incomplete()), 'the item stays for the admin');
    check_same('Pending', $GLOBALS['whmcs_services'][42]['status'], 'the service stays Pending');
    check_same([], $GLOBALS['emails_sent'], 'no welcome email');
    $report['activity'] = $GLOBALS['activity_log'];
}

function scenario_cron_off(): void
{
    config_write(['cron_hook' => false]);
    Queue::add('service', 42, 'kaziwhmcs', 'CreateAccount', 'still running');
    run_hook('AfterCronJob');
    check_same([], $GLOBALS['api_calls'], 'with cron_hook off the hook asks WHMCS nothing');
    check_same(1, count(Queue::incomplete()), 'and leaves the queue alone');
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

function scenario_admin_area(): void
{
    global $report;
    config_write();
    check_same('success', kaziwhmcs_CreateAccount(service_params()), 'create');
    $fields = kaziwhmcs_AdminServicesTabFields(service_params());
    check(strpos($fields['Bridge status'] ?? '', 'active') === 0, 'the tab shows the bridge status', $fields);
    check(strpos($fields['Last operation'] ?? '', 'CreateAccount: succeeded') !== false, 'and the last operation', $fields);
    check(strpos($fields['In the bridge'] ?? '', '/admin/provisioning/service/') !== false, "and a link to the bridge's page", $fields);
    check(strpos(json_encode($fields), 'Str0ng') === false, 'the tab holds no password', $fields);

    check_same(['Open in the bridge' => 'OpenInBridge', 'Login to panel as client' => 'LoginAsClient'], kaziwhmcs_AdminCustomButtonArray(), 'the buttons');
    check_same('success', kaziwhmcs_OpenInBridge(service_params()), 'Open in the bridge');
    $report['bridge_page'] = \KaziWhmcs\bridge_service_url(service_params())[0];
    check_same('success', kaziwhmcs_LoginAsClient(service_params()), 'Login to panel as client');
    $report['client_login'] = \KaziWhmcs\panel_login_url(service_params(), 'LoginAsClient')[0];
    $sso = kaziwhmcs_AdminSingleSignOn(server_params_of());
    check(($sso['success'] ?? false) === true, 'AdminSingleSignOn', $sso);
    $report['reseller_login'] = $sso['redirectTo'] ?? '';

    config_write(['bridge_url' => env('KAZI_DOWN_URL')]);
    $started = microtime(true);
    $down = kaziwhmcs_AdminServicesTabFields(service_params());
    $report['down_seconds'] = microtime(true) - $started;
    check(strpos($down['kaziwhmcs bridge'] ?? '', 'not available') !== false && strpos($down['kaziwhmcs bridge'], 'Could not reach') !== false, 'the bridge down is a note, not an error page', $down);
    $refused = kaziwhmcs_LoginAsClient(service_params());
    check(strpos($refused, 'Could not reach') === 0, 'the login button explains the bridge is down', $refused);

    // A bridge that takes the connection and never answers: the tab still gives up in time.
    config_write(['bridge_url' => env('KAZI_SILENT_URL')]);
    $started = microtime(true);
    $silent = kaziwhmcs_AdminServicesTabFields(service_params());
    $report['silent_seconds'] = microtime(true) - $started;
    check(strpos($silent['kaziwhmcs bridge'] ?? '', 'not available') !== false, 'a silent bridge is a note too', $silent);
}

function scenario_list_accounts(): void
{
    config_write();
    check_same('success', kaziwhmcs_CreateAccount(service_params(['domain' => 'known.example.com'])), 'create');
    emulator('POST', 'seed', ['customers' => [['domain' => 'legacy.example.net']]]);
    $meta = kaziwhmcs_MetaData();
    check_same(['Domain', 'domain', 'configoption1'], [$meta['ListAccountsUniqueIdentifierDisplayName'] ?? null, $meta['ListAccountsUniqueIdentifierField'] ?? null, $meta['ListAccountsProductField'] ?? null], 'the MetaData keys of Server Sync');
    $listed = kaziwhmcs_ListAccounts(server_params_of());
    check(($listed['success'] ?? false) === true, 'ListAccounts', $listed);
    $byDomain = array_column($listed['accounts'] ?? [], null, 'domain');
    check_same(['known.example.com', 'legacy.example.net'], array_keys($byDomain), 'both accounts of the reseller');
    $known = $byDomain['known.example.com'] ?? [];
    check_same(['Active', 'Basic', 'ada@example.org', 'known.example.com'], [$known['status'] ?? null, $known['product'] ?? null, $known['email'] ?? null, $known['uniqueIdentifier'] ?? null], "the bridge's account with what it knows");
    check_same(['Active', ''], [$byDomain['legacy.example.net']['status'] ?? null, $byDomain['legacy.example.net']['product'] ?? null], 'an account of the panel alone');
}

function scenario_change_package(): void
{
    config_write();
    check_same('success', kaziwhmcs_CreateAccount(service_params()), 'create');
    $upgraded = service_params(['pid' => '4', 'configoption1' => 'Gold']);
    $error = kaziwhmcs_ChangePackage($upgraded);
    check(strpos($error, 'cannot change a hosting plan') !== false && strpos($error, "from 'Basic' to 'Gold'") !== false, 'a clear error naming both plans', $error);
    check_same($error, kaziwhmcs_ChangePackage($upgraded), 'asked again, the same answer');
    $fields = kaziwhmcs_AdminServicesTabFields($upgraded);
    check(strpos($fields['Plan change'] ?? '', 'owed') !== false, 'the admin tab shows the plan change owed', $fields);
}
