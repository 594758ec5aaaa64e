<?php
/**
 * Stand-ins of the WHMCS runtime the module and its hooks use, as unkind as WHMCS:
 * add_hook (run by run_hook), logActivity, WHMCS\Module\Queue as an Eloquent model in a
 * collection, the localAPI commands over in-memory services (ModuleCreate & co. call the
 * module's function with the service's $params as WHMCS does), the mails WHMCS would send
 * and to whom, custom functions and single sign-on run as WHMCS runs them. Each behaviour
 * quotes the WHMCS documentation it comes from (developers.whmcs.com, and the official
 * sample module github.com/WHMCS/sample-provisioning-module).
 */

namespace WHMCS\Module {

    /**
     * "WHMCS\Module\Queue · Class · extends AbstractModel · Module Queue": an Eloquent model.
     * Its columns live in a protected array and are read through the model ($item->service_id);
     * casting it with (array) gives its protected properties, not its columns, as Eloquent does.
     */
    class Queue
    {
        /** @var array<int, Queue> the table, by id */
        public static $rows = [];

        protected $attributes = [];

        public function __construct(array $attributes)
        {
            $this->attributes = $attributes;
        }

        public function __get($key)
        {
            return $this->attributes[$key] ?? null;
        }

        public function __isset($key)
        {
            return isset($this->attributes[$key]);
        }

        public function toArray(): array
        {
            return $this->attributes;
        }

        /**
         * "add($serviceType, $serviceId, $module, $moduleAction, $lastAttemptError) Add module
         * queue entry." One open entry per service and action: a new failure updates it.
         */
        public static function add($serviceType, $serviceId, $module, $moduleAction, $lastAttemptError)
        {
            foreach (self::$rows as $row) {
                if ($row->matches($serviceType, $serviceId, $module, $moduleAction) && !$row->completed) {
                    $row->attributes['last_attempt_error'] = $lastAttemptError;
                    $row->attributes['num_retries']++;
                    return true;
                }
            }
            $id = count(self::$rows) + 1;
            self::$rows[$id] = new self([
                'id' => $id, 'service_type' => $serviceType, 'service_id' => (int) $serviceId,
                'module_name' => $module, 'module_action' => $moduleAction,
                'last_attempt_error' => $lastAttemptError, 'num_retries' => 0, 'completed' => 0,
            ]);
            return true;
        }

        /**
         * "resolve($serviceType, $serviceId, $module, $moduleAction) Resolve a module queue entry."
         */
        public static function resolve($serviceType, $serviceId, $module, $moduleAction)
        {
            foreach (self::$rows as $row) {
                if ($row->matches($serviceType, $serviceId, $module, $moduleAction)) {
                    $row->attributes['completed'] = 1;
                }
            }
            return true;
        }

        /**
         * "scopeIncomplete(QueryBuilder $query) ... Returns QueryBuilder": called statically,
         * a query whose get() is the collection.
         */
        public static function incomplete(): QueueQuery
        {
            return new QueueQuery(array_values(array_filter(self::$rows, function ($row) {
                return !$row->completed;
            })));
        }

        private function matches($serviceType, $serviceId, $module, $moduleAction): bool
        {
            return $this->service_type === $serviceType && $this->service_id === (int) $serviceId
                && $this->module_name === $module && $this->module_action === $moduleAction;
        }
    }

    class QueueQuery
    {
        private $rows;

        public function __construct(array $rows)
        {
            $this->rows = $rows;
        }

        public function get(): \Illuminate\Support\Collection
        {
            return new \Illuminate\Support\Collection($this->rows);
        }
    }
}

namespace Illuminate\Support {

    /**
     * Eloquent's collection: iterable and countable; its items are a protected property.
     */
    class Collection implements \IteratorAggregate, \Countable
    {
        protected $items = [];

        public function __construct(array $items = [])
        {
            $this->items = $items;
        }

        public function getIterator(): \ArrayIterator
        {
            return new \ArrayIterator($this->items);
        }

        public function count(): int
        {
            return count($this->items);
        }

        public function all(): array
        {
            return $this->items;
        }
    }
}

namespace KaziWhmcs {

    /**
     * header() called from the module's code is recorded: a custom function "should either
     * return 'success' or an error message to be displayed" (sample module), so a redirect
     * from one is a failure. (The CLI cannot see a header sent from the global namespace;
     * an exit is caught by whmcs_custom_function either way.)
     */
    function header(string $header, bool $replace = true, int $code = 0): void
    {
        $GLOBALS['headers_sent_by_module'][] = $header;
    }
}

namespace {

    use WHMCS\Module\Queue;

    $GLOBALS['hooks'] = [];
    $GLOBALS['activity_log'] = [];
    $GLOBALS['whmcs_services'] = [];
    $GLOBALS['api_calls'] = [];
    $GLOBALS['mails'] = [];
    $GLOBALS['tickets'] = [];
    $GLOBALS['headers_sent_by_module'] = [];
    $GLOBALS['custom_function_running'] = null;
    // How GetModuleQueue answers: 'models' (localAPI: a collection of Queue models) or
    // 'json' (the external API's JSON: arrays with the documented camelCase names).
    $GLOBALS['queue_answer'] = 'models';

    const MODULE_FUNCTIONS = [
        'ModuleCreate' => ['CreateAccount', 'Active'],
        'ModuleSuspend' => ['SuspendAccount', 'Suspended'],
        'ModuleUnsuspend' => ['UnsuspendAccount', 'Active'],
        'ModuleTerminate' => ['TerminateAccount', 'Terminated'],
        'ModuleChangePw' => ['ChangePassword', null],
    ];

    function add_hook($hookPoint, $priority, $function)
    {
        $GLOBALS['hooks'][$hookPoint][] = $function;
    }

    function run_hook(string $hookPoint, array $vars = []): void
    {
        foreach ($GLOBALS['hooks'][$hookPoint] ?? [] as $function) {
            $function($vars);
        }
    }

    function logActivity($description, $userId = 0)
    {
        $GLOBALS['activity_log'][] = ['description' => $description, 'userid' => $userId];
    }

    /**
     * A WHMCS service: its module $params and status.
     */
    function whmcs_service_add(array $params, string $status = 'Pending'): void
    {
        $GLOBALS['whmcs_services'][(int) $params['serviceid']] = ['params' => $params, 'status' => $status, 'suspendreason' => ''];
    }

    function client_email(int $serviceId): string
    {
        return (string) ($GLOBALS['whmcs_services'][$serviceId]['params']['clientsdetails']['email'] ?? '');
    }

    /**
     * WHMCS running a module command (an order's setup, the daily suspensions, the API).
     * "When a function is successful, there are various actions that run as follows:
     *  CreateAccount - Changes status to Active + Sends Product Welcome Email; SuspendAccount -
     *  Changes status to Suspended; UnsuspendAccount - Changes status to Active;
     *  TerminateAccount - Changes status to Terminated" (core module functions, Action
     * Events); a success resolves the action's open queue entry ("Resolve a module queue
     * entry"), a failure adds one ("Add module queue entry"; "Obtains the Module Queue for
     * Incomplete Failed Actions"). A success of another action resolves nothing.
     */
    function whmcs_module_command(string $command, int $serviceId, array $extra = []): string
    {
        $service = $GLOBALS['whmcs_services'][$serviceId];
        $result = call_user_func('kaziwhmcs_' . $command, $extra + $service['params']);
        if ($result !== 'success') {
            Queue::add('service', $serviceId, 'kaziwhmcs', $command, $result);
            return $result;
        }
        foreach (MODULE_FUNCTIONS as list($name, $status)) {
            if ($name === $command && $status !== null) {
                $GLOBALS['whmcs_services'][$serviceId]['status'] = $status;
            }
        }
        if ($command === 'SuspendAccount') {
            $GLOBALS['whmcs_services'][$serviceId]['suspendreason'] = $extra['suspendreason'] ?? 'Overdue on Payment';
        }
        if ($command === 'CreateAccount') {
            $GLOBALS['mails'][] = ['to' => client_email($serviceId), 'what' => 'Product Welcome Email', 'serviceid' => $serviceId];
        }
        Queue::resolve('service', $serviceId, 'kaziwhmcs', $command);
        return $result;
    }

    /**
     * GetModuleQueue: "queue | \Queue[] | A collection for queue items" through localAPI;
     * the external API's JSON names the fields "serviceType", "serviceId", "moduleName",
     * "moduleAction", "lastAttemptError", "numRetries", "completed" (its example answer).
     * Filters: "relatedId | The id of the service to load", "serviceType", "moduleName",
     * "moduleAction".
     */
    function get_module_queue(array $values): array
    {
        $filters = ['service_id' => 'relatedId', 'service_type' => 'serviceType', 'module_name' => 'moduleName', 'module_action' => 'moduleAction'];
        $rows = [];
        foreach (Queue::incomplete()->get() as $row) {
            $keep = true;
            foreach ($filters as $column => $filter) {
                if (isset($values[$filter]) && (string) $row->$column !== (string) $values[$filter]) {
                    $keep = false;
                }
            }
            if ($keep) {
                $rows[] = $row;
            }
        }
        if ($GLOBALS['queue_answer'] === 'json') {
            $rows = array_map(function ($row) {
                $out = [];
                foreach ($row->toArray() as $column => $value) {
                    $out[lcfirst(str_replace('_', '', ucwords($column, '_')))] = (string) $value;
                }
                return $out;
            }, $rows);
            return ['result' => 'success', 'count' => (string) count($rows), 'queue' => $rows];
        }
        return ['result' => 'success', 'count' => count($rows), 'queue' => new \Illuminate\Support\Collection($rows)];
    }

    function localAPI($command, $values = [], $adminUser = '')
    {
        $GLOBALS['api_calls'][] = [$command, $values];
        if (isset(MODULE_FUNCTIONS[$command])) {
            $serviceId = (int) ($values['serviceid'] ?? 0);
            if (!isset($GLOBALS['whmcs_services'][$serviceId])) {
                return ['result' => 'error', 'message' => 'Service ID not found'];
            }
            // ModuleSuspend: "suspendreason | string | A reason for the suspension".
            $extra = $command === 'ModuleSuspend' && isset($values['suspendreason']) ? ['suspendreason' => $values['suspendreason']] : [];
            $result = whmcs_module_command(MODULE_FUNCTIONS[$command][0], $serviceId, $extra);
            return $result === 'success' ? ['result' => 'success'] : ['result' => 'error', 'message' => $result];
        }
        switch ($command) {
            case 'GetModuleQueue':
                return get_module_queue($values);
            case 'SendEmail':
                // "Send a client Email Notification." ("Product Email Type = Service ID").
                $GLOBALS['mails'][] = ['to' => client_email((int) ($values['id'] ?? 0)), 'what' => (string) ($values['messagename'] ?? ''), 'serviceid' => (int) ($values['id'] ?? 0)];
                return ['result' => 'success'];
            case 'SendAdminEmail':
                // "Send an Admin Email Notification": to staff.
                $GLOBALS['mails'][] = ['to' => 'staff', 'what' => (string) ($values['customsubject'] ?? $values['messagename'] ?? ''), 'type' => $values['type'] ?? ''];
                return ['result' => 'success'];
            case 'OpenTicket':
                // "noemail | Pass 'true' for this value to prevent the ticket email from being
                // sent"; "admin | ... If you pass this, you must also pass the admin's username
                // with localAPI call arguments. Otherwise, the system still uses the client as
                // the ticket opener."
                $GLOBALS['tickets'][] = $values + ['opened_by' => $adminUser !== '' ? "admin $adminUser" : 'client'];
                if (empty($values['noemail'])) {
                    $GLOBALS['mails'][] = ['to' => client_email((int) ($values['serviceid'] ?? 0)), 'what' => 'ticket: ' . ($values['subject'] ?? '')];
                }
                return ['result' => 'success', 'id' => count($GLOBALS['tickets'])];
        }
        throw new \LogicException("localAPI $command is not stood in for");
    }

    /**
     * WHMCS running a custom function from the service page: "The custom function returns
     * either success or an error message to indicate failure" (custom functions), which WHMCS
     * shows. Only the functions AdminCustomButtonArray lists can be run ("The value is the
     * custom function name without the modulename_ prefix"); a header() or an exit is a
     * failure (the page WHMCS was rendering is lost).
     */
    function whmcs_custom_function(string $label, array $params): string
    {
        $buttons = kaziwhmcs_AdminCustomButtonArray();
        if (!isset($buttons[$label])) {
            throw new \LogicException("no custom button '$label'");
        }
        $GLOBALS['custom_function_running'] = $buttons[$label];
        $before = count($GLOBALS['headers_sent_by_module']);
        $result = call_user_func('kaziwhmcs_' . $buttons[$label], $params);
        $GLOBALS['custom_function_running'] = null;
        if (count($GLOBALS['headers_sent_by_module']) !== $before) {
            throw new \LogicException("custom function {$buttons[$label]} sent a header");
        }
        if (!is_string($result) || $result === '') {
            throw new \LogicException("custom function {$buttons[$label]} returned " . var_export($result, true) . ', not success or an error text');
        }
        return $result;
    }

    /**
     * WHMCS running single sign-on: "The return from either function should always be an
     * array", with "success - This is a boolean value", "redirectTo - This should be a fully
     * formatted URL" and "errorMsg" (single sign-on). ServiceSingleSignOn is "to allow admin
     * and client users to login to the control panel of the service automatically": $who is
     * 'admin' (an admin session) or 'client' (the client area's session).
     */
    function whmcs_single_sign_on(string $function, array $params, string $who): array
    {
        $_SESSION = $who === 'admin' ? ['adminid' => 1] : ['uid' => (int) ($params['userid'] ?? 0)];
        $result = call_user_func('kaziwhmcs_' . $function, $params);
        $_SESSION = [];
        if (!is_array($result) || !is_bool($result['success'] ?? null)) {
            throw new \LogicException("$function returned " . var_export($result, true) . ', not the single sign-on array');
        }
        if ($result['success'] && !preg_match('#^https?://#', (string) ($result['redirectTo'] ?? ''))) {
            throw new \LogicException("$function succeeded without a fully formatted redirectTo URL");
        }
        return $result;
    }

    /**
     * WHMCS's Test Connection button: "a Test Connection button will appear alongside the
     * Server Type dropdown when adding or editing an existing server" (sample module), with
     * the form's fields as $params; a server being added has no id yet. The answer is
     * ['success' => bool, 'error' => text].
     */
    function whmcs_test_connection(array $form, bool $saved): array
    {
        if (!$saved) {
            unset($form['serverid']);
        }
        $result = kaziwhmcs_TestConnection($form);
        if (!is_array($result) || !is_bool($result['success'] ?? null) || !is_string($result['error'] ?? null)) {
            throw new \LogicException('TestConnection returned ' . var_export($result, true));
        }
        return $result;
    }

    register_shutdown_function(function () {
        if ($GLOBALS['custom_function_running'] !== null) {
            echo "FAIL: custom function {$GLOBALS['custom_function_running']} ended the script (exit): WHMCS shows nothing\n";
            exit(1);
        }
    });
}
