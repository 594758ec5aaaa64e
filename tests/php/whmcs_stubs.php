<?php
/**
 * The few parts of WHMCS the kaziwhmcs module uses, for the test runner:
 * the WHMCS constant, logModuleCall (recorded), Capsule over an in-memory
 * tblhosting, and for the hooks add_hook, logActivity, WHMCS\Module\Queue and
 * localAPI over in-memory services (whmcs_runtime.php). Every PHP warning or
 * notice is recorded too: the module must raise none.
 */

namespace WHMCS\Database {

    class Capsule
    {
        /** @var array<string, array<int, array>> rows by table, keyed by id */
        public static $tables = [];

        public static function table(string $name): FakeQuery
        {
            if (!isset(self::$tables[$name])) {
                self::$tables[$name] = [];
            }
            return new FakeQuery($name);
        }
    }

    /**
     * The slice of Illuminate's query builder the module calls: where(), get(), update().
     */
    class FakeQuery
    {
        private $table;
        private $wheres = [];

        public function __construct(string $table)
        {
            $this->table = $table;
        }

        public function where(string $column, $operator, $value = null): self
        {
            if (func_num_args() === 2) {
                $value = $operator;
                $operator = '=';
            }
            if ($operator !== '=') {
                throw new \LogicException("fake Capsule supports '=' only, not $operator");
            }
            $this->wheres[] = [$column, $value];
            return $this;
        }

        private function matching(): array
        {
            $rows = [];
            foreach (Capsule::$tables[$this->table] as $id => $row) {
                $ok = true;
                foreach ($this->wheres as $where) {
                    // MySQL compares a string column with a number numerically, as here.
                    if (!array_key_exists($where[0], $row) || $row[$where[0]] != $where[1]) {
                        $ok = false;
                    }
                }
                if ($ok) {
                    $rows[$id] = $row;
                }
            }
            return $rows;
        }

        public function get(array $columns = ['*']): array
        {
            $out = [];
            foreach ($this->matching() as $row) {
                $out[] = (object) ($columns === ['*'] ? $row : array_intersect_key($row, array_flip($columns)));
            }
            return $out;
        }

        public function update(array $values): int
        {
            $rows = $this->matching();
            foreach (array_keys($rows) as $id) {
                foreach ($values as $column => $value) {
                    if (!array_key_exists($column, Capsule::$tables[$this->table][$id])) {
                        throw new \LogicException("no column $column in {$this->table}");
                    }
                    Capsule::$tables[$this->table][$id][$column] = $value;
                }
            }
            return count($rows);
        }
    }
}

namespace {

    define('WHMCS', true);

    $GLOBALS['module_log'] = [];
    $GLOBALS['php_warnings'] = [];

    function logModuleCall($module, $action, $requestString, $responseData, $processedData = '', $replaceVars = [])
    {
        // WHMCS masks $replaceVars itself: record what it would store without that help.
        $GLOBALS['module_log'][] = [
            'module' => $module,
            'action' => $action,
            'request' => $requestString,
            'response' => $responseData,
            'processed' => $processedData,
            'replace' => $replaceVars,
        ];
    }

    set_error_handler(function ($severity, $message, $file, $line) {
        $GLOBALS['php_warnings'][] = "$message at $file:$line";
        return true;
    });

    /**
     * A tblhosting row with WHMCS's usage columns.
     */
    function tblhosting_row(int $id, int $server, string $domain, string $status = 'Active'): array
    {
        return [
            'id' => $id,
            'server' => $server,
            'domain' => $domain,
            'domainstatus' => $status,
            'diskusage' => 0,
            'disklimit' => 0,
            'bwusage' => 0,
            'bwlimit' => 0,
            'lastupdate' => '0000-00-00 00:00:00',
        ];
    }
}
