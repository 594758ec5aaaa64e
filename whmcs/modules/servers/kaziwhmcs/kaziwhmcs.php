<?php
/**
 * kaziwhmcs: sell i-MSCP hosting through WHMCS.
 *
 * This WHMCS server module does not call the panel itself: every command is a
 * signed webhook to the kaziwhmcs bridge, which journals it, runs it on the
 * panel (KaziWhmcs plugin) and answers its outcome. Settings live in
 * kaziwhmcs.config.php next to this file (see kaziwhmcs.config.example.php).
 */

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

require_once __DIR__ . '/lib/config.php';
require_once __DIR__ . '/lib/contract.php';
require_once __DIR__ . '/lib/log.php';
require_once __DIR__ . '/lib/bridge.php';
require_once __DIR__ . '/lib/links.php';
require_once __DIR__ . '/lib/usage.php';
require_once __DIR__ . '/lib/admin.php';

function kaziwhmcs_MetaData()
{
    return [
        'DisplayName' => 'i-MSCP (kaziwhmcs bridge)',
        'APIVersion' => '1.1',
        'RequiresServer' => true,
        'DefaultNonSSLPort' => '80',
        'DefaultSSLPort' => '443',
        'ServiceSingleSignOnLabel' => 'Open the hosting control panel',
        'AdminSingleSignOnLabel' => 'Login to panel as the reseller',
        // WHMCS's Server Sync tool (ListAccounts): accounts are told apart by domain, and
        // a product by its "Package Name" (the i-MSCP hosting plan).
        'ListAccountsUniqueIdentifierDisplayName' => 'Domain',
        'ListAccountsUniqueIdentifierField' => 'domain',
        'ListAccountsProductField' => 'configoption1',
    ];
}

function kaziwhmcs_ConfigOptions()
{
    return [
        'Package Name' => [
            'Type' => 'text',
            'Size' => '25',
            'Description' => 'The i-MSCP hosting plan of this product, as the reseller named it on the panel',
        ],
    ];
}

function kaziwhmcs_CreateAccount(array $params)
{
    return \KaziWhmcs\command_run('CreateAccount', $params)[0];
}

function kaziwhmcs_SuspendAccount(array $params)
{
    return \KaziWhmcs\command_run('SuspendAccount', $params)[0];
}

function kaziwhmcs_UnsuspendAccount(array $params)
{
    return \KaziWhmcs\command_run('UnsuspendAccount', $params)[0];
}

function kaziwhmcs_TerminateAccount(array $params)
{
    return \KaziWhmcs\command_run('TerminateAccount', $params)[0];
}

function kaziwhmcs_ChangePassword(array $params)
{
    return \KaziWhmcs\command_run('ChangePassword', $params)[0];
}

/**
 * i-MSCP has no renewal: the account simply stays active.
 */
function kaziwhmcs_Renew(array $params)
{
    \KaziWhmcs\log_call('Renew', ['serviceid' => $params['serviceid'] ?? null], '', 'success (no panel call)', \KaziWhmcs\secrets_of($params, null));
    return 'success';
}

function kaziwhmcs_TestConnection(array $params)
{
    if (\KaziWhmcs\id_value($params['serverid'] ?? null) === null) {
        $error = 'Save the server first, then test its connection: the kaziwhmcs bridge knows servers by their WHMCS id';
        \KaziWhmcs\log_call('TestConnection', [], '', $error, \KaziWhmcs\secrets_of($params, null));
        return ['success' => false, 'error' => $error];
    }
    $text = \KaziWhmcs\command_run('TestConnection', $params)[0];
    return $text === 'success' ? ['success' => true, 'error' => ''] : ['success' => false, 'error' => $text];
}

/**
 * The bridge's last usage import into tblhosting, at once (never cut off by wait_seconds).
 */
function kaziwhmcs_UsageUpdate(array $params)
{
    return \KaziWhmcs\usage_update($params);
}

/**
 * The protocol has no plan change: a clear error, and the bridge journals the change as
 * owed (its dashboard lists it until an admin changed the plan on the panel).
 */
function kaziwhmcs_ChangePackage(array $params)
{
    return \KaziWhmcs\command_run('ChangePackage', $params)[0];
}

/**
 * The bridge's view of the service on its admin page (quick; a note when the bridge is down).
 */
function kaziwhmcs_AdminServicesTabFields(array $params)
{
    return \KaziWhmcs\admin_tab_fields($params);
}

function kaziwhmcs_AdminCustomButtonArray()
{
    return [
        'Open in the bridge' => 'OpenInBridge',
        'Login to panel as client' => 'LoginAsClient',
    ];
}

function kaziwhmcs_OpenInBridge(array $params)
{
    list($url, $error) = \KaziWhmcs\bridge_service_url($params);
    return \KaziWhmcs\browser_send($url, $error);
}

/**
 * Through the bridge's one-time login: the customer's password never reaches WHMCS's page.
 */
function kaziwhmcs_LoginAsClient(array $params)
{
    list($url, $error) = \KaziWhmcs\panel_login_url($params, 'LoginAsClient');
    return \KaziWhmcs\browser_send($url, $error);
}

/**
 * WHMCS's server list: log in to the panel as the reseller, through the bridge's one-time login.
 */
function kaziwhmcs_AdminSingleSignOn(array $params)
{
    list($url, $error) = \KaziWhmcs\panel_login_url($params, 'AdminSingleSignOn');
    return $url === null ? ['success' => false, 'errorMsg' => $error] : ['success' => true, 'redirectTo' => $url];
}

/**
 * WHMCS's Server Sync tool: the reseller's accounts on the panel.
 */
function kaziwhmcs_ListAccounts(array $params)
{
    return \KaziWhmcs\accounts_list($params);
}

function kaziwhmcs_ClientArea(array $params)
{
    list($url, $error) = \KaziWhmcs\client_link($params, 'ClientArea');
    if ($url === null) {
        return '<div class="alert alert-warning">' . \KaziWhmcs\html(\KaziWhmcs\client_area_text($params, 'unavailable')) . '</div>';
    }
    return '<a class="btn btn-primary" href="' . \KaziWhmcs\html($url) . '" target="_blank" rel="noopener noreferrer">'
        . \KaziWhmcs\html(\KaziWhmcs\client_area_text($params, 'manage')) . '</a>';
}

function kaziwhmcs_ServiceSingleSignOn(array $params)
{
    list($url, $error) = \KaziWhmcs\client_link($params, 'ServiceSingleSignOn');
    if ($url === null) {
        return ['success' => false, 'errorMsg' => $error];
    }
    return ['success' => true, 'redirectTo' => $url];
}

/**
 * On WHMCS's server list: the bridge's admin page of this server (journal, tests).
 */
function kaziwhmcs_AdminLink(array $params)
{
    try {
        $config = \KaziWhmcs\config_load();
    } catch (\KaziWhmcs\ConfigError $error) {
        \KaziWhmcs\log_call('AdminLink', [], '', $error->getMessage(), \KaziWhmcs\secrets_of($params, null));
        return \KaziWhmcs\html($error->getMessage());
    }
    $url = \KaziWhmcs\server_admin_url($config, \KaziWhmcs\id_value($params['serverid'] ?? null));
    \KaziWhmcs\log_call('AdminLink', ['serverid' => $params['serverid'] ?? null], '', $url, \KaziWhmcs\secrets_of($params, $config));
    return '<a href="' . \KaziWhmcs\html($url) . '" target="_blank" rel="noopener noreferrer" class="btn btn-default">'
        . \KaziWhmcs\html('kaziwhmcs bridge') . '</a>';
}

/**
 * On the service's admin page: the panel's login page (no password in the page).
 */
function kaziwhmcs_LoginLink(array $params)
{
    $url = \KaziWhmcs\panel_url($params);
    \KaziWhmcs\log_call('LoginLink', ['serviceid' => $params['serviceid'] ?? null], '', $url, \KaziWhmcs\secrets_of($params, null));
    return '<a href="' . \KaziWhmcs\html($url) . '" target="_blank" rel="noopener noreferrer" class="moduleloginlink">'
        . \KaziWhmcs\html('Login to i-MSCP') . '</a>';
}
