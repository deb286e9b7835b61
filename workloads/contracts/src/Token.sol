// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Token: a plain ERC-20 for gasbench workloads.
/// @notice `mint` is restricted to the deployer (`owner`) and to addresses the owner
/// authorised with `setMinter` (e.g. the Game contract). An allowance of
/// type(uint256).max is infinite and is never decremented by `transferFrom`.
contract Token {
    string public name;
    string public symbol;
    uint8 public immutable decimals;
    address public immutable owner;

    uint256 public totalSupply;
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;
    mapping(address => bool) public isMinter;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);
    event MinterSet(address indexed minter, bool allowed);

    error NotOwner();
    error NotMinter();
    error ZeroAddress();
    error InsufficientBalance();
    error InsufficientAllowance();

    constructor(string memory name_, string memory symbol_, uint8 decimals_) {
        name = name_;
        symbol = symbol_;
        decimals = decimals_;
        owner = msg.sender;
    }

    function setMinter(address minter, bool allowed) external {
        if (msg.sender != owner) revert NotOwner();
        isMinter[minter] = allowed;
        emit MinterSet(minter, allowed);
    }

    function mint(address to, uint256 amount) external {
        if (msg.sender != owner && !isMinter[msg.sender]) revert NotMinter();
        if (to == address(0)) revert ZeroAddress();
        totalSupply += amount;
        unchecked {
            // Cannot overflow: the sum of balances is bounded by totalSupply.
            balanceOf[to] += amount;
        }
        emit Transfer(address(0), to, amount);
    }

    /// Mints `amount` to each of `to`: one set-up transaction funds many accounts.
    function mintMany(address[] calldata to, uint256 amount) external {
        if (msg.sender != owner && !isMinter[msg.sender]) revert NotMinter();
        uint256 n = to.length;
        totalSupply += amount * n;
        for (uint256 i = 0; i < n; ++i) {
            address t = to[i];
            if (t == address(0)) revert ZeroAddress();
            unchecked {
                balanceOf[t] += amount;
            }
            emit Transfer(address(0), t, amount);
        }
    }

    function transfer(address to, uint256 amount) external returns (bool) {
        _transfer(msg.sender, to, amount);
        return true;
    }

    function approve(address spender, uint256 amount) external returns (bool) {
        allowance[msg.sender][spender] = amount;
        emit Approval(msg.sender, spender, amount);
        return true;
    }

    function transferFrom(address from, address to, uint256 amount) external returns (bool) {
        uint256 allowed = allowance[from][msg.sender];
        if (allowed != type(uint256).max) {
            if (allowed < amount) revert InsufficientAllowance();
            unchecked {
                allowance[from][msg.sender] = allowed - amount;
            }
        }
        _transfer(from, to, amount);
        return true;
    }

    function _transfer(address from, address to, uint256 amount) internal {
        if (to == address(0)) revert ZeroAddress();
        uint256 fromBalance = balanceOf[from];
        if (fromBalance < amount) revert InsufficientBalance();
        unchecked {
            balanceOf[from] = fromBalance - amount;
            balanceOf[to] += amount;
        }
        emit Transfer(from, to, amount);
    }
}
