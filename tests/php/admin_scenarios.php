<?php
/**
 * Scenarios of WHMCS's admin and client areas (run by run_module_tests.php, whose helpers
 * they use): the service tab, single sign-on from the admin and the client side, the
 * reseller's single sign-on, the custom button, Test Connection of an unsaved server,
 * Server Sync's account list and the plan change.
 */

function scenario_admin_area(): void
{
    global $report;
    config_write();
    check_same('success', kaziwhmcs_CreateAccount(service_params()), 'create');
    $fields = kaziwhmcs_AdminServicesTabFields(service_params());
    check(strpos($fields['Bridge status'] ?? '', 'active') === 0, 'the tab shows the bridge status', $fields);
    check(strpos($fields['Last operation'] ?? '', 'CreateAccount: succeeded') !== false, 'and the last operation', $fields);
    check((bool) preg_match('#href="([^"]*/admin/provisioning/service/[^"]*)"#', $fields['In the bridge'] ?? '', $m), "and a link to the bridge's page", $fields);
    $report['bridge_page'] = html_entity_decode($m[1] ?? '');
    check(strpos(json_encode($fields), 'Str0ng') === false, 'the tab holds no password', $fields);

    foreach (['admin', 'client'] as $who) {
        $sso = whmcs_single_sign_on('ServiceSingleSignOn', service_params(), $who);
        check($sso['success'] === true, "ServiceSingleSignOn from the $who side", $sso);
        check(strpos(json_encode($sso), 'Str0ng') === false, "the $who's page holds no password", $sso);
        $report["{$who}_login"] = $sso['redirectTo'] ?? '';
    }
    $sso = whmcs_single_sign_on('AdminSingleSignOn', server_params_of(), 'admin');
    check($sso['success'] === true, 'AdminSingleSignOn', $sso);
    $report['reseller_login'] = $sso['redirectTo'] ?? '';

    config_write(['bridge_url' => env('KAZI_DOWN_URL')]);
    $started = microtime(true);
    $down = kaziwhmcs_AdminServicesTabFields(service_params());
    $report['down_seconds'] = microtime(true) - $started;
    check(strpos($down['kaziwhmcs bridge'] ?? '', 'not available') !== false && strpos($down['kaziwhmcs bridge'], 'Could not reach') !== false, 'the bridge down is a note, not an error page', $down);
    $refused = whmcs_single_sign_on('ServiceSingleSignOn', service_params(), 'client');
    check($refused['success'] === false && strpos($refused['errorMsg'] ?? '', 'Could not reach') === 0, 'single sign-on explains the bridge is down', $refused);

    // A bridge that takes the connection and never answers: the tab still gives up in time.
    config_write(['bridge_url' => env('KAZI_SILENT_URL')]);
    $started = microtime(true);
    $silent = kaziwhmcs_AdminServicesTabFields(service_params());
    $report['silent_seconds'] = microtime(true) - $started;
    check(strpos($silent['kaziwhmcs bridge'] ?? '', 'not available') !== false, 'a silent bridge is a note too', $silent);
}

function scenario_custom_button(): void
{
    config_write();
    check_same(['Complete from the bridge' => 'QueueComplete'], kaziwhmcs_AdminCustomButtonArray(), 'the buttons');
    whmcs_service_add(service_params());
    check_same('success', whmcs_custom_function('Complete from the bridge', service_params()), 'nothing queued: success');

    whmcs_service_add(service_params(['configoption1' => 'NoSuchPlan']));
    whmcs_module_command('CreateAccount', 42);
    $text = whmcs_custom_function('Complete from the bridge', service_params());
    check(strpos($text, 'CreateAccount of whmcs-module.example.com (service 42): KaziWhmcs: The \'NoSuchPlan\' hosting plan') === 0, "the failure, as WHMCS shows it", $text);
    check_same(1, count(activity_containing('failed: CreateAccount')), 'told to staff once');
    check_same(1, open_items(), 'the item stays');
    check_same([], client_mails(), 'nothing is mailed to the client');
}

function scenario_test_connection_unsaved(): void
{
    config_write();
    $form = server_params_of();
    check_same(['success' => true, 'error' => ''], whmcs_test_connection($form, false), 'a new server is tested before it is saved');
    check_same(['success' => false, 'error' => 'KaziWhmcs: Bad password.'], whmcs_test_connection(['serverpassword' => 'wrong-password'] + $form, false), 'a wrong password is readable');
    check_same(['success' => true, 'error' => ''], whmcs_test_connection($form, false), 'fixed, it succeeds');
    $logged = array_column($GLOBALS['module_log'], 'action');
    check_same(['TestConnection', 'TestConnection', 'TestConnection'], $logged, 'each test is in the module log');
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
