// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import "./Interfaces.sol";
import "./AmmFactory.sol";

/// @title AmmRouter: single-hop swaps and liquidity management over AmmFactory pairs.
/// @notice Users approve the router on the input tokens (for swaps and addLiquidity) and
/// on the pair's LP token (for removeLiquidity). No deadlines, no multi-hop paths.
contract AmmRouter {
    AmmFactory public immutable factory;

    error PairNotFound();
    error IdenticalAddresses();
    error InsufficientAmount();
    error InsufficientInputAmount();
    error InsufficientLiquidity();
    error InsufficientOutputAmount();
    error InsufficientAAmount();
    error InsufficientBAmount();
    error TransferFailed();

    constructor(address factory_) {
        factory = AmmFactory(factory_);
    }

    // ---------------------------------------------------------------- pure helpers

    /// Output for an exact input with the 0.3% fee (Uniswap V2 formula).
    function getAmountOut(uint256 amountIn, uint256 reserveIn, uint256 reserveOut)
        public
        pure
        returns (uint256 amountOut)
    {
        if (amountIn == 0) revert InsufficientInputAmount();
        if (reserveIn == 0 || reserveOut == 0) revert InsufficientLiquidity();
        uint256 amountInWithFee = amountIn * 997;
        amountOut = (amountInWithFee * reserveOut) / (reserveIn * 1000 + amountInWithFee);
    }

    /// Equivalent amount of the other asset at the current price (no fee).
    function quote(uint256 amountA, uint256 reserveA, uint256 reserveB) public pure returns (uint256) {
        if (amountA == 0) revert InsufficientAmount();
        if (reserveA == 0 || reserveB == 0) revert InsufficientLiquidity();
        return (amountA * reserveB) / reserveA;
    }

    /// Reserves of the tokenA/tokenB pair, ordered as (tokenA, tokenB).
    function getReserves(address tokenA, address tokenB)
        public
        view
        returns (address pair, uint256 reserveA, uint256 reserveB)
    {
        pair = factory.getPair(tokenA, tokenB);
        if (pair == address(0)) revert PairNotFound();
        (uint112 r0, uint112 r1,) = AmmPair(pair).getReserves();
        (reserveA, reserveB) = tokenA < tokenB ? (uint256(r0), uint256(r1)) : (uint256(r1), uint256(r0));
    }

    function _safeTransferFrom(address token, address from, address to, uint256 amount) private {
        if (!IERC20(token).transferFrom(from, to, amount)) revert TransferFailed();
    }

    // ---------------------------------------------------------------- swaps

    /// Swaps exactly `amountIn` of `tokenIn` for at least `amountOutMin` of `tokenOut`.
    /// Pulls `tokenIn` from the caller straight into the pair.
    function swapExactTokensForTokens(
        uint256 amountIn,
        uint256 amountOutMin,
        address tokenIn,
        address tokenOut,
        address to
    ) external returns (uint256 amountOut) {
        (address pair, uint256 reserveIn, uint256 reserveOut) = getReserves(tokenIn, tokenOut);
        amountOut = getAmountOut(amountIn, reserveIn, reserveOut);
        if (amountOut < amountOutMin) revert InsufficientOutputAmount();
        _safeTransferFrom(tokenIn, msg.sender, pair, amountIn);
        (uint256 amount0Out, uint256 amount1Out) = tokenIn < tokenOut ? (uint256(0), amountOut) : (amountOut, uint256(0));
        AmmPair(pair).swap(amount0Out, amount1Out, to);
    }

    // ---------------------------------------------------------------- liquidity

    /// Adds liquidity at the current price (creating the pair if needed), like Uniswap V2.
    function addLiquidity(
        address tokenA,
        address tokenB,
        uint256 amountADesired,
        uint256 amountBDesired,
        uint256 amountAMin,
        uint256 amountBMin,
        address to
    ) external returns (uint256 amountA, uint256 amountB, uint256 liquidity) {
        if (tokenA == tokenB) revert IdenticalAddresses();
        address pair = factory.getPair(tokenA, tokenB);
        if (pair == address(0)) pair = factory.createPair(tokenA, tokenB);
        (uint112 r0, uint112 r1,) = AmmPair(pair).getReserves();
        (uint256 reserveA, uint256 reserveB) = tokenA < tokenB ? (uint256(r0), uint256(r1)) : (uint256(r1), uint256(r0));

        if (reserveA == 0 && reserveB == 0) {
            (amountA, amountB) = (amountADesired, amountBDesired);
        } else {
            uint256 amountBOptimal = quote(amountADesired, reserveA, reserveB);
            if (amountBOptimal <= amountBDesired) {
                if (amountBOptimal < amountBMin) revert InsufficientBAmount();
                (amountA, amountB) = (amountADesired, amountBOptimal);
            } else {
                uint256 amountAOptimal = quote(amountBDesired, reserveB, reserveA);
                // amountAOptimal <= amountADesired holds because amountBOptimal > amountBDesired.
                if (amountAOptimal < amountAMin) revert InsufficientAAmount();
                (amountA, amountB) = (amountAOptimal, amountBDesired);
            }
        }
        _safeTransferFrom(tokenA, msg.sender, pair, amountA);
        _safeTransferFrom(tokenB, msg.sender, pair, amountB);
        liquidity = AmmPair(pair).mint(to);
    }

    /// Burns `liquidity` LP tokens of the caller (router must be approved on the pair).
    function removeLiquidity(
        address tokenA,
        address tokenB,
        uint256 liquidity,
        uint256 amountAMin,
        uint256 amountBMin,
        address to
    ) external returns (uint256 amountA, uint256 amountB) {
        address pair = factory.getPair(tokenA, tokenB);
        if (pair == address(0)) revert PairNotFound();
        if (!AmmPair(pair).transferFrom(msg.sender, pair, liquidity)) revert TransferFailed();
        (uint256 amount0, uint256 amount1) = AmmPair(pair).burn(to);
        (amountA, amountB) = tokenA < tokenB ? (amount0, amount1) : (amount1, amount0);
        if (amountA < amountAMin) revert InsufficientAAmount();
        if (amountB < amountBMin) revert InsufficientBAmount();
    }
}
